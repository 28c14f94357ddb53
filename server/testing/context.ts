import type { ServerContext, SimulatedProvider } from '../context';
import type { ServerEnv } from '../env';

export const TEST_ORIGIN = 'https://mcp.example';

/**
 * A request's context for unit tests of the pure parts: these settings, a test secret, and the
 * simulated providers given (none by default: pass them to test the fallback to them).
 */
export const contextWith = (vars: Partial<ServerEnv> = {}, simulated: readonly SimulatedProvider[] = []) =>
  ({ env: { SERVER_SECRET: 's'.repeat(32), ...vars } as ServerEnv, origin: TEST_ORIGIN, simulated, authorizationServer: undefined as never }) satisfies ServerContext;
