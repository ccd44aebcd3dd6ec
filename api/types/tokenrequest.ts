/** authentication.k8s.io/v1 TokenRequest: the body and answer of POST serviceaccounts/{name}/token (k8s.io/api/authentication/v1). */
import { type Static } from '@sinclair/typebox';
import { def, S, I64, F, RF, RS, SList, Time, atomic } from './base.js';
import { typeMetaProps, objectMetaField } from './meta.js';

const AUTHN = 'io.k8s.api.authentication.v1.';

export const BoundObjectReferenceSchema = def(AUTHN + 'BoundObjectReference', 'BoundObjectReference is a reference to an object that a token is bound to.', {
  kind: S('Kind of the referent. Valid kinds are \'Pod\' and \'Secret\'.'),
  apiVersion: S('API version of the referent.'),
  name: S('Name of the referent.'),
  uid: S('UID of the referent.'),
});
export type BoundObjectReference = Static<typeof BoundObjectReferenceSchema>;

export const TokenRequestSpecSchema = def(AUTHN + 'TokenRequestSpec', 'TokenRequestSpec contains client provided parameters of a token request.', {
  audiences: SList('Audiences are the intendend audiences of the token. A recipient of a token must identify themself with an identifier in the list of audiences of the token, and otherwise should reject the token. A token issued for multiple audiences may be used to authenticate against any of the audiences listed but implies a high degree of trust between the target audiences.', atomic),
  expirationSeconds: I64('ExpirationSeconds is the requested duration of validity of the request. The token issuer may return a token with a different validity duration so a client needs to check the \'expiration\' field in a response.'),
  boundObjectRef: F(BoundObjectReferenceSchema, 'BoundObjectRef is a reference to an object that the token will be bound to. The token will only be valid for as long as the bound object exists. NOTE: The API server\'s TokenReview endpoint will validate the BoundObjectRef, but other audiences may not. Keep ExpirationSeconds small if you want prompt revocation.'),
});

export const TokenRequestStatusSchema = def(AUTHN + 'TokenRequestStatus', 'TokenRequestStatus is the result of a token request.', {
  token: RS('Token is the opaque bearer token.'),
  expirationTimestamp: RF(Time, 'ExpirationTimestamp is the time of expiration of the returned token.'),
});

export const TokenRequestSchema = def(AUTHN + 'TokenRequest', 'TokenRequest requests a token for a given service account.', {
  ...typeMetaProps,
  metadata: objectMetaField,
  spec: F(TokenRequestSpecSchema, 'Spec holds information about the request being evaluated'),
  status: F(TokenRequestStatusSchema, 'Status is filled in by the server and indicates whether the token can be authenticated.'),
});
export type TokenRequest = Static<typeof TokenRequestSchema>;
