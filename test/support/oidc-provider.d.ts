declare module 'oidc-provider' {
  const Provider: unknown;
  export default Provider;
}
