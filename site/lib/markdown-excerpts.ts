import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineMdastPlugin, type PluginFactoryContext } from 'satteri';
import { excerptRefOf, ExcerptError, extractRegion } from './excerpts.ts';

/**
 * The Markdown plugin that fills each ```ts excerpt=server/<file>#<region> block of a lesson with
 * that region of the server's code (site/lib/excerpts.ts), and says above it where it comes from.
 * A missing file or region fails the build, naming the lesson and the fix.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function serverExcerpts({ fileURL }: PluginFactoryContext) {
  const lesson = fileURL ? fileURLToPath(fileURL).replace(ROOT, '') : 'a lesson';
  const fail = (error: unknown): never => {
    if (error instanceof ExcerptError) throw new ExcerptError(`${lesson}: ${error.message}`);
    throw error;
  };
  return defineMdastPlugin({
    name: 'server-excerpts',
    code(node, ctx) {
      let ref;
      try {
        ref = excerptRefOf(node.meta);
      } catch (error) {
        fail(error);
      }
      if (!ref) return;
      let source = '';
      try {
        source = readFileSync(ROOT + ref.path, 'utf8');
      } catch {
        fail(new ExcerptError(`excerpt=${ref.path}#${ref.region}: there is no file ${ref.path}.`));
      }
      let value = '';
      try {
        value = extractRegion(source, ref);
      } catch (error) {
        fail(error);
      }
      ctx.setProperty(node, 'value', value);
      ctx.setProperty(node, 'meta', (node.meta ?? '').replace(/(^|\s)excerpt=\S+/, '').trim() || null);
      ctx.insertBefore(node, { type: 'html', value: `<p class="excerpt-source">From <code>${ref.path}</code>, as it runs</p>` });
    },
  });
}
