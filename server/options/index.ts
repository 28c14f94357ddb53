/**
 * The auth options this server runs, one line each (server/catalogue.ts says what each is). To
 * drop an option, delete its line (and then its folder): nothing else names it. A starter
 * generated for one option has this file with that line alone.
 */
// #region options-list
export { workerOption } from './worker/index';
export { githubOption } from './github/index';
export { oidcProxyOption } from './oidc-proxy/index';
export { oidcExternalOption } from './oidc-external/index';
// #endregion options-list
