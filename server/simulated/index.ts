/**
 * The simulated providers this server serves, one line each: stand-ins for GitHub and an OpenID
 * provider, so the options that need a provider run with no account and no secret. An option uses
 * its real provider as soon as its settings are configured (.dev.vars.example); delete a line to
 * serve no stand-in (that option then needs its settings).
 */
export { simulatedGithub } from './github';
export { simulatedOidc } from './oidc/provider';
