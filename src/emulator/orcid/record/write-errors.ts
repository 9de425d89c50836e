// The member API's answers to a write it refuses, in the v3.0 error body. Status and code per
// exception: ORCID-Source `OrcidCoreExceptionMapper`; texts: `api_en.properties` (HEAD), where a
// developer message is followed by " Full validation error: <detail>" when the exception carries
// one (`OrcidCoreExceptionMapper.getDeveloperMessage`).
import type { ApiErrorSpec } from './errors.js';

const TRY_AGAIN = (client: string) =>
  `There was an error when updating the record. Please try again. If the error persists, please contact ${client} for assistance.`;
const withDetail = (message: string, detail: string | null) =>
  detail === null ? message : `${message} Full validation error: ${detail}`;

/** 9022 (`ActivityTitleValidationException`): no title, or an empty one. */
export const titleRequired: ApiErrorSpec = {
  status: 400,
  code: 9022,
  developerMessage: '400 Bad Request: Invalid activity, a title is required.',
  userMessage: 'Invalid activity:  A title is required.',
};

/** 9023 (`ActivityIdentifierValidationException`): no external id, an unknown type, no `self` one. */
export const externalIdInvalid = (detail: string | null): ApiErrorSpec => ({
  status: 400,
  code: 9023,
  developerMessage: withDetail('400 Bad Request: Invalid activity, an external identifier is required.', detail),
  userMessage: 'Invalid activity: an external identifier is required.',
});

/** 9037 (`ActivityTypeValidationException`): a missing work type; `values` lists the valid ones. */
export const typeRequired = (what: string, values: readonly string[]): ApiErrorSpec => ({
  status: 400,
  code: 9037,
  developerMessage: `Invalid ${what}, valid values are: ${values.join(', ')}.`,
  userMessage: 'Please specify a work type.',
});

/** 9051 (`IllegalEnumValueException`, thrown while reading the JSON): a value outside an enum. */
export const illegalEnumValue = (value: string, enumClass: string): ApiErrorSpec => ({
  status: 400,
  code: 9051,
  developerMessage: `400 Bad request: invalid value '${value}' for enum '${enumClass}'`,
  userMessage: 'Invalid value for type. ',
});

/** 9020 (`OrcidValidationException`): e.g. a year that is not four digits. */
export const invalidMessage = (detail: string): ApiErrorSpec => ({
  status: 400,
  code: 9020,
  developerMessage: withDetail('400 Bad Request: Invalid incoming message.', detail),
  userMessage: 'Invalid incoming message.',
});

/** 9001 for a body that is not JSON at all (Jackson's `JsonParseException`). */
export const unreadableBody = (detail: string): ApiErrorSpec => ({
  status: 400,
  code: 9001,
  developerMessage: withDetail(
    '400 Bad Request: There is an issue with your data or the API endpoint. 405 Method Not Allowed: Endpoint and method mismatch. 415 Unsupported Media Type: data must be in XML or JSON format.',
    detail,
  ),
  userMessage: 'ORCID could not process the data, because they were invalid.',
});

/** 9024 (`InvalidPutCodeException`): a POST whose body carries a put-code. */
export const putCodeNotExpected = (client: string): ApiErrorSpec => ({
  status: 400,
  code: 9024,
  developerMessage:
    '400 Bad Request: Put-code is included when not expected. When posting new activities, the put code should be omitted.',
  userMessage: TRY_AGAIN(client),
});

/** 9019 (`MismatchedPutCodeException`): a PUT whose body's put-code is not the URL's. */
export const putCodeMismatch = (url: string, body: string, client: string): ApiErrorSpec => ({
  status: 400,
  code: 9019,
  developerMessage: `400 Bad Request: The put code in the URL was ${url} whereas the one in the body was ${body}.`,
  userMessage: TRY_AGAIN(client),
});

/** 9021 (`OrcidDuplicatedActivityException`): the same client already added a work with this `self` id. */
export const duplicateWork = (putCode: number, client: string): ApiErrorSpec => ({
  status: 409,
  code: 9021,
  developerMessage: `409 Conflict: You have already added this activity (matched by external identifiers), please see element with put-code ${putCode}. If you are trying to edit the item, please use PUT instead of POST.`,
  userMessage: TRY_AGAIN(client),
});

/** 9010 (`WrongSourceException`): only the client that added a work may change or delete it. */
export const notTheSource: ApiErrorSpec = {
  status: 403,
  code: 9010,
  developerMessage: '403 Forbidden: You are not the source of the work, so you are not allowed to update it.',
  userMessage: 'The client application is not the source of the resource it is trying to access.',
};

/** 9035 (`VisibilityMismatchException`): an update may not change the visibility the researcher chose. */
export const visibilityChange = (client: string): ApiErrorSpec => ({
  status: 403,
  code: 9035,
  developerMessage:
    "403 Forbidden: You can't change the visibility of an item, please remove the visibility or set it to the current value.",
  userMessage: TRY_AGAIN(client),
});

/**
 * 9038 (`OrcidAccessControlException`): the token lacks `/activities/update`. The developer
 * message really does say "409 Conflict" on a 403 answer (api_en.properties).
 */
export const scopeMissing: ApiErrorSpec = {
  status: 403,
  code: 9038,
  developerMessage:
    "409 Conflict: The item has a limited or private visibility and your request doesn't have the required scope.",
  userMessage: "You don't have the permissions to execute this action.",
};

/** 9017 (`OrcidUnauthorizedException`): a token granted for another record. */
export const otherRecord: ApiErrorSpec = {
  status: 401,
  code: 9017,
  developerMessage:
    '401 Unauthorized: The client application is not authorized for this ORCID record. Full validation error: Access token is for a different record',
  userMessage: 'The client application is not authorized.',
};

/** 9013 (`OrcidVisibilityException`): reading one work the reader may not see. */
export const notVisible: ApiErrorSpec = {
  status: 403,
  code: 9013,
  developerMessage: 'The activity is private and you are not the source.',
  userMessage: 'The client application is forbidden to perform the action.',
};

/** 9039 (`OrcidNonPublicElementException`): the Public API asked for one non-public item. */
export const notPublic: ApiErrorSpec = {
  status: 403,
  code: 9039,
  developerMessage: '403 Forbidden: The item is not public and cannot be accessed with the Public API.',
  userMessage: 'The client application is forbidden to perform the action.',
};
