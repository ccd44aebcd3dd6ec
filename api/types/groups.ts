/** coordination.k8s.io/v1 Lease, discovery.k8s.io/v1 EndpointSlice, events.k8s.io/v1 Event. */
import { Type, type Static } from '@sinclair/typebox';
import { def, S, I32, B, SMap, Arr, RArr, F, RF, RS, MicroTime, Time, atomic, setList } from './base.js';
import { typeMetaProps, objectMetaField } from './meta.js';
import { ObjectReferenceSchema, EventSourceSchema } from './core.js';

// ---------------------------------------------------------------- Lease

export const LeaseSpecSchema = def('io.k8s.api.coordination.v1.LeaseSpec', 'The specification of a Lease.', {
  holderIdentity: S('Contains the identity of the holder of a current lease.'),
  leaseDurationSeconds: I32('Duration that candidates for a lease need to wait to force acquire it, measured against the time of last observed renewTime.'),
  acquireTime: F(MicroTime, 'Time at which the current lease was acquired.'),
  renewTime: F(MicroTime, 'Time at which the current holder of the lease has last updated the lease.'),
  leaseTransitions: I32('The number of transitions of a lease between holders.'),
  strategy: S('The strategy for picking the leader for coordinated leader election.'),
  preferredHolder: S('Signals to a lease holder that the lease has a more optimal holder and should be given up.'),
});
export type LeaseSpec = Static<typeof LeaseSpecSchema>;

export const LeaseSchema = def('io.k8s.api.coordination.v1.Lease', 'Lease defines a lease concept (leader election, node heartbeats).', {
  ...typeMetaProps,
  metadata: objectMetaField,
  spec: F(LeaseSpecSchema, 'Spec contains the specification of the Lease.'),
});
export type Lease = Static<typeof LeaseSchema>;

// ---------------------------------------------------------------- EndpointSlice

const DISC = 'io.k8s.api.discovery.v1.';

export const EndpointConditionsSchema = def(DISC + 'EndpointConditions', 'The current condition of an endpoint.', {
  ready: B('Indicates that this endpoint is ready to receive traffic. Unknown state (nil) should be interpreted as "true".'),
  serving: B('Identical to ready except that it is set regardless of the terminating state of endpoints.'),
  terminating: B('Indicates that this endpoint is terminating.'),
});
export const ForZoneSchema = def(DISC + 'ForZone', 'Provides information about which zones should consume this endpoint.', {
  name: RS('The name of the zone.'),
});
export const ForNodeSchema = def(DISC + 'ForNode', 'Provides information about which nodes should consume this endpoint.', {
  name: RS('The name of the node.'),
});
export const EndpointHintsSchema = def(DISC + 'EndpointHints', 'Hints to use for topology aware routing.', {
  forZones: Arr(ForZoneSchema, 'Zones this endpoint should be consumed by.', atomic),
  forNodes: Arr(ForNodeSchema, 'Nodes this endpoint should be consumed by.', atomic),
});
export const EndpointSchema = def(DISC + 'Endpoint', 'A single logical "backend" implementing a service.', {
  addresses: RArr(Type.String(), 'Addresses of this endpoint. Consumers must handle different types of addresses in the context of their own capabilities.', setList),
  conditions: F(EndpointConditionsSchema, 'Information about the current status of the endpoint.'),
  hostname: S('Hostname of this endpoint.'),
  targetRef: F(ObjectReferenceSchema, 'A reference to a Kubernetes object that represents this endpoint.'),
  deprecatedTopology: SMap('Deprecated topology information.'),
  nodeName: S('Name of the Node hosting this endpoint.'),
  zone: S('The name of the Zone this endpoint exists in.'),
  hints: F(EndpointHintsSchema, 'Information about how an endpoint should be consumed.'),
});
export type Endpoint = Static<typeof EndpointSchema>;

export const EndpointSlicePortSchema = def(DISC + 'EndpointPort', 'A port used by an EndpointSlice.', {
  name: S('The name of this port.'),
  protocol: S('The IP protocol for this port: TCP, UDP, SCTP. Default is TCP.'),
  port: I32('The port number of the endpoint. If not specified, ports are not restricted.'),
  appProtocol: S('The application protocol for this port.'),
}, { 'x-kubernetes-map-type': 'atomic' });
export type EndpointSlicePort = Static<typeof EndpointSlicePortSchema>;

export const EndpointSliceSchema = def(DISC + 'EndpointSlice', 'A subset of the endpoints that implement a service.', {
  ...typeMetaProps,
  metadata: objectMetaField,
  addressType: Type.String({ description: 'The type of address carried by this EndpointSlice: IPv4, IPv6, FQDN.', enum: ['FQDN', 'IPv4', 'IPv6'] }),
  endpoints: RArr(EndpointSchema, 'A list of unique endpoints in this slice.', atomic),
  ports: Arr(EndpointSlicePortSchema, 'The network ports exposed by each endpoint in this slice.', atomic),
});
export type EndpointSlice = Static<typeof EndpointSliceSchema>;

// ---------------------------------------------------------------- events.k8s.io/v1 Event

export const EventsV1EventSeriesSchema = def('io.k8s.api.events.v1.EventSeries', 'Information on series of events, i.e. thing that was/is happening continuously for some time.', {
  count: Type.Integer({ description: 'Number of occurrences in this series up to the last heartbeat time.', format: 'int32' }),
  lastObservedTime: RF(MicroTime, 'Time when last Event from the series was seen before last heartbeat.'),
});

export const EventsV1EventSchema = def('io.k8s.api.events.v1.Event', 'Event is a report of an event somewhere in the cluster.', {
  ...typeMetaProps,
  metadata: objectMetaField,
  eventTime: RF(MicroTime, 'The time when this Event was first observed. Required.'),
  series: F(EventsV1EventSeriesSchema, "Data about the Event series this event represents or nil if it's a singleton Event."),
  reportingController: S('The name of the controller that emitted this Event, e.g. `kubernetes.io/kubelet`.'),
  reportingInstance: S('The ID of the controller instance, e.g. `kubelet-xyzf`.'),
  action: S('What action was taken/failed regarding the regarding object.'),
  reason: S('Why the action was taken. Human-readable.'),
  regarding: F(ObjectReferenceSchema, 'The object this Event is about.'),
  related: F(ObjectReferenceSchema, 'Optional secondary object for more complex actions.'),
  note: S('A human-readable description of the status of this operation.'),
  type: S('Type of this event (Normal, Warning).'),
  deprecatedSource: F(EventSourceSchema, 'Deprecated field assuring backward compatibility with core.v1 Event type.'),
  deprecatedFirstTimestamp: F(Time, 'Deprecated field assuring backward compatibility with core.v1 Event type.'),
  deprecatedLastTimestamp: F(Time, 'Deprecated field assuring backward compatibility with core.v1 Event type.'),
  deprecatedCount: I32('Deprecated field assuring backward compatibility with core.v1 Event type.'),
});
export type EventsV1Event = Static<typeof EventsV1EventSchema>;

