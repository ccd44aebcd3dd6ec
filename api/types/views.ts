/**
 * Views of the API types for the components that read them (controllers, scheduler, kubelet, proxy):
 * the same types, derived from the same schemas, never a second hand-written copy.
 *
 * `Relaxed<T>` is a kind as a component may meet it before the server has filled it in (a table
 * test's object, one being built, a half-written status): every field optional, at every depth,
 * except the fields that identify an element and that the API type requires (a container's `name`,
 * a condition's `type` and `status`, a taint's `key` and `effect`, an owner's `uid` ...). An API
 * object is always a Relaxed one. Narrower views are `Pick<>`s, next to the code that needs them.
 */

/** The required fields a Relaxed view keeps required: what identifies an element of a list or map. */
export type IdentityKey =
  | 'name' | 'type' | 'status' | 'key' | 'operator' | 'effect' | 'port' | 'containerPort' | 'ip' | 'address'
  | 'addresses' | 'apiVersion' | 'kind' | 'uid' | 'path' | 'mountPath' | 'topologyKey' | 'maxSkew'
  | 'whenUnsatisfiable' | 'weight';

type RequiredKeys<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? never : K }[keyof T];
type KeptKeys<T> = RequiredKeys<T> & IdentityKey;

export type Relaxed<T> = T extends readonly (infer E)[]
  ? Relaxed<E>[]
  : T extends object
    ? string extends keyof T
      ? T // a map (labels, resources): its values as they are
      : { [K in keyof T as K extends KeptKeys<T> ? K : never]: Relaxed<T[K]> } & {
          [K in keyof T as K extends KeptKeys<T> ? never : K]?: Relaxed<T[K]>;
        }
    : T;
