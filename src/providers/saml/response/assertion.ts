/**
 * The verified assertion as plain values. node-saml hands it over parsed by xml2js (text in `_`,
 * attributes in `$`, every child an array); this is the one place that knows that shape. Text
 * split by a comment (`alice@uni.example<!---->.evil.example`) is read whole, as the signature's
 * canonical form sees it, never cut at the comment.
 */
export interface ParsedAssertion {
  id: string | null;
  issuer: string | null;
  nameId: NameId | null;
  confirmations: Confirmation[];
  notBefore: string | null;
  notOnOrAfter: string | null;
  hasAuthnStatement: boolean;
  sessionIndex: string | null;
  authnContext: string | null;
  attributes: [name: string, values: unknown[]][];
}

export interface NameId {
  value: string;
  format: string | null;
  nameQualifier: string | null;
  spNameQualifier: string | null;
}

export interface Confirmation {
  method: string | null;
  recipient: string | null;
  notBefore: string | null;
  notOnOrAfter: string | null;
  inResponseTo: string | null;
}

type Node = { _?: string; $?: Record<string, string> } & Record<string, unknown>;

const children = (node: Node | undefined, name: string): Node[] =>
  Array.isArray(node?.[name]) ? (node[name] as Node[]) : [];
const first = (node: Node | undefined, name: string): Node | undefined => children(node, name)[0];
const text = (node: Node | undefined): string | null => (typeof node?._ === 'string' ? node._.trim() : null);
const attr = (node: Node | undefined, name: string): string | null => node?.$?.[name] ?? null;

export function parseAssertion(parsed: Record<string, unknown>): ParsedAssertion {
  const root = (parsed as Node).Assertion;
  const a = (Array.isArray(root) ? root[0] : root) as Node | undefined;
  if (!a) throw new Error('no assertion');
  const subject = first(a, 'Subject');
  const nameIdNode = first(subject, 'NameID');
  const conditions = first(a, 'Conditions');
  const authn = first(a, 'AuthnStatement');
  const nameValue = text(nameIdNode);
  return {
    id: attr(a, 'ID'),
    issuer: text(first(a, 'Issuer')),
    nameId: nameValue
      ? {
          value: nameValue,
          format: attr(nameIdNode, 'Format'),
          nameQualifier: attr(nameIdNode, 'NameQualifier'),
          spNameQualifier: attr(nameIdNode, 'SPNameQualifier'),
        }
      : null,
    confirmations: children(subject, 'SubjectConfirmation').map((c) => {
      const data = first(c, 'SubjectConfirmationData');
      return {
        method: attr(c, 'Method'),
        recipient: attr(data, 'Recipient'),
        notBefore: attr(data, 'NotBefore'),
        notOnOrAfter: attr(data, 'NotOnOrAfter'),
        inResponseTo: attr(data, 'InResponseTo'),
      };
    }),
    notBefore: attr(conditions, 'NotBefore'),
    notOnOrAfter: attr(conditions, 'NotOnOrAfter'),
    hasAuthnStatement: authn !== undefined,
    sessionIndex: attr(authn, 'SessionIndex'),
    authnContext: text(first(first(authn, 'AuthnContext'), 'AuthnContextClassRef')),
    attributes: children(a, 'AttributeStatement')
      .flatMap((s) => children(s, 'Attribute'))
      .map((at) => [
        attr(at, 'Name') ?? '',
        children(at, 'AttributeValue').map((v) =>
          Object.keys(v).some((k) => k !== '_' && k !== '$') ? v : (v._ ?? ''),
        ),
      ]),
  };
}
