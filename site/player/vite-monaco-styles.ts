import type { Plugin } from 'vite';

/**
 * Monaco's modules import their own stylesheets. Astro links every stylesheet a page's scripts
 * can reach, dynamic imports included, so the editor's ~150 KB of CSS would block the first paint
 * of every page with a flow player, long before anyone opens the editor. This plugin turns those
 * imports into a module that adds the (inlined) stylesheet to the document when the editor's
 * chunk actually runs.
 */
const PREFIX = '\0monaco-runtime-style:';
const FROM_MONACO = /[\\/]node_modules[\\/]monaco-editor[\\/]|[\\/]site[\\/]player[\\/]json-editor\.ts$/;

export function monacoStylesAtRuntime(): Plugin {
  return {
    name: 'mcp-auth-lab:monaco-runtime-styles',
    enforce: 'pre',
    async resolveId(source, importer) {
      if (!importer || !FROM_MONACO.test(importer) || !/\.css$/.test(source)) return null;
      const resolved = await this.resolve(source, importer, { skipSelf: true });
      // Ends in .js: an id ending in .css would go through Vite's CSS pipeline.
      return resolved ? `${PREFIX}${resolved.id}.js` : null;
    },
    load(id) {
      if (!id.startsWith(PREFIX)) return null;
      const file = id.slice(PREFIX.length, -'.js'.length);
      return [
        `import css from ${JSON.stringify(`${file}?inline`)};`,
        `const style = document.createElement('style');`,
        `style.dataset.monaco = ${JSON.stringify(file.replace(/^.*[\\/]/, ''))};`,
        `style.textContent = css;`,
        `document.head.appendChild(style);`,
      ].join('\n');
    },
  };
}
