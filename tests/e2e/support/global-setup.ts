import { startPreview } from '../../support/preview-server';

/**
 * One production server for the whole run. Its origin reaches the tests through E2E_ORIGIN
 * (workers inherit the environment); the returned function stops it after the last test.
 */
export default async function globalSetup() {
  const server = await startPreview();
  process.env.E2E_ORIGIN = server.origin;
  return async () => {
    await server.stop();
  };
}
