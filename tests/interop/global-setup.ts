import type { TestProject } from 'vitest/node';
import { startPreview } from '../support/preview-server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The origin of the production build under test, e.g. http://localhost:41219 (the issuer). */
    labOrigin: string;
  }
}

/** One production server for the whole interop project; every test file talks to it over HTTP. */
export default async function setup(project: TestProject) {
  const server = await startPreview(); // throws "No production build in dist/ ..." when unbuilt
  project.provide('labOrigin', server.origin);
  return () => server.stop();
}
