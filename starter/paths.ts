/** Where the site serves the starter zips (starter/astro-integration.ts writes them there). */
export const STARTERS_PATH = '/starters/';
