import type { APIRoute } from 'astro';

// The site's icon, so browsers do not ask for a /favicon.ico that does not exist.
export const prerender = true;

const ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 28 28"><rect width="28" height="28" rx="7" fill="#4f46e5"/><circle cx="14" cy="11.5" r="3.6" fill="none" stroke="#fff" stroke-width="2.2"/><path d="M14 15.2v6.3M14 18.6h3" stroke="#fff" stroke-width="2.2" stroke-linecap="round"/></svg>`;

export const GET: APIRoute = () => new Response(ICON, { headers: { 'Content-Type': 'image/svg+xml' } });
