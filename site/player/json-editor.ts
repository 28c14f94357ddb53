/**
 * Monaco, trimmed to what a JSON-RPC request needs: the core editor, the JSON language and a few
 * editing contributions, with the editor and JSON workers only (the full package, with the
 * TypeScript worker, weighs about 2.5 MB gzipped). Imported dynamically by playground/playground.ts
 * the first time the learner opens the editor.
 */
import * as monaco from 'monaco-editor/editor/editor.api';
import 'monaco-editor/language/json/monaco.contribution';
// The same module the contribution re-exports from, imported by its typed path.
import { jsonDefaults } from 'monaco-editor/languages/features/json/register';
import 'monaco-editor/editor/contrib/bracketMatching/browser/bracketMatching';
import 'monaco-editor/editor/contrib/clipboard/browser/clipboard';
import 'monaco-editor/editor/contrib/folding/browser/folding';
import 'monaco-editor/editor/contrib/format/browser/formatActions';
import 'monaco-editor/editor/contrib/hover/browser/hoverContribution';
import 'monaco-editor/editor/contrib/suggest/browser/suggestController';
import 'monaco-editor/editor/contrib/wordHighlighter/browser/wordHighlighter';
import 'monaco-editor/editor/contrib/linesOperations/browser/linesOperations';
import 'monaco-editor/editor/browser/coreCommands';
// The icon font's stylesheet is not in the package's export map: imported by path.
import '../../node_modules/monaco-editor/esm/vs/base/browser/ui/codicons/codicon/codicon.css';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';
import JsonWorker from 'monaco-editor/language/json/json.worker?worker';

self.MonacoEnvironment = {
  getWorker: (_workerId: string, label: string) => (label === 'json' ? new JsonWorker() : new EditorWorker()),
};

/** A problem the JSON language service found in the text: a syntax error, or where it leaves the schema. */
export interface EditorProblem {
  line: number;
  column: number;
  message: string;
  severity: 'error' | 'warning';
}

export interface JsonEditor {
  getValue(): string;
  setValue(text: string): void;
  setTheme(dark: boolean): void;
  /**
   * Checks the text against a JSON Schema from now on (completion, hover and inline errors come
   * from it): Monaco's own JSON language service, in its worker. null: syntax only.
   */
  setSchema(schema: object | null): void;
  /** The problems found in the current text, in order. */
  problems(): EditorProblem[];
  /** Called after each new check of the text (the service checks a moment after typing stops). */
  onProblems(listener: (problems: EditorProblem[]) => void): void;
  focus(): void;
  dispose(): void;
}

/**
 * What Tab does, said in the editor's accessible name (after `ariaLabel`) and announced when
 * Ctrl+M switches it. By default Tab moves focus, as everywhere else on the page. Monaco's own
 * Ctrl+M action flips a page-wide flag that the `tabFocusMode` option overrides, so it could never
 * make Tab indent: this one switches the option itself.
 */
const SAY = {
  tabLeaves: 'Tab moves focus out of the editor; Ctrl+M makes Tab indent instead.',
  tabIndents: 'Tab indents; Ctrl+M makes Tab move focus out of the editor again.',
  nowLeaves: 'Tab now moves focus out of the editor.',
  nowIndents: 'Tab now indents. Press Ctrl+M to make it leave the editor again.',
};

export function createJsonEditor(container: HTMLElement, text: string, options: { dark: boolean; ariaLabel: string }): JsonEditor {
  let tabLeaves = true;
  const label = () => `${options.ariaLabel} ${tabLeaves ? SAY.tabLeaves : SAY.tabIndents}`;
  const editor = monaco.editor.create(container, {
    value: text,
    language: 'json',
    theme: options.dark ? 'vs-dark' : 'vs',
    ariaLabel: label(),
    automaticLayout: true,
    minimap: { enabled: false },
    scrollBeyondLastLine: false,
    fontSize: 13,
    fontFamily: getComputedStyle(document.body).getPropertyValue('--font-mono').trim() || 'monospace',
    lineNumbersMinChars: 3,
    tabSize: 2,
    renderLineHighlight: 'none',
    tabFocusMode: tabLeaves,
    // A browser cannot tell Monaco that a screen reader runs, and with 'auto' Monaco then leaves
    // the focused textbox empty: a screen reader would hear nothing of the request. 'on' puts the
    // lines around the cursor in it. Nothing changes on screen for a request this size (Monaco
    // would wrap only a text dominated by lines of 10,000 characters or more).
    accessibilitySupport: 'on',
  });
  const said = document.createElement('div');
  said.className = 'visually-hidden';
  said.setAttribute('aria-live', 'polite');
  container.appendChild(said);
  // Ctrl+M on every platform (on a Mac, Cmd+M would minimise the window).
  const isMac = /Mac|iPhone|iPad|iPod/.test(navigator.platform);
  editor.addAction({
    id: 'mcp-auth-lab.toggleTabMovesFocus',
    label: 'Toggle Tab key moves focus',
    keybindings: [isMac ? monaco.KeyMod.WinCtrl | monaco.KeyCode.KeyM : monaco.KeyMod.CtrlCmd | monaco.KeyCode.KeyM],
    run: () => {
      tabLeaves = !tabLeaves;
      editor.updateOptions({ tabFocusMode: tabLeaves, ariaLabel: label() });
      said.textContent = tabLeaves ? SAY.nowLeaves : SAY.nowIndents;
    },
  });
  const model = editor.getModel()!;
  const problems = (): EditorProblem[] =>
    monaco.editor
      .getModelMarkers({ resource: model.uri })
      .filter((marker) => marker.severity >= monaco.MarkerSeverity.Warning)
      .sort((a, b) => a.startLineNumber - b.startLineNumber || a.startColumn - b.startColumn)
      .map((marker) => ({
        line: marker.startLineNumber,
        column: marker.startColumn,
        message: marker.message,
        severity: marker.severity === monaco.MarkerSeverity.Error ? 'error' : 'warning',
      }));
  return {
    getValue: () => editor.getValue(),
    setValue: (value) => editor.setValue(value),
    setTheme: (dark) => monaco.editor.setTheme(dark ? 'vs-dark' : 'vs'),
    setSchema(schema) {
      jsonDefaults.setDiagnosticsOptions({
        validate: true,
        allowComments: false,
        // The schema is handed over whole; the service must never fetch one from the network.
        enableSchemaRequest: false,
        schemas: schema ? [{ uri: `${location.origin}/schemas/tool-call-request.json`, fileMatch: [model.uri.toString()], schema }] : [],
      });
    },
    problems,
    onProblems(listener) {
      monaco.editor.onDidChangeMarkers((uris) => {
        if (uris.some((uri) => uri.toString() === model.uri.toString())) listener(problems());
      });
    },
    focus: () => editor.focus(),
    dispose: () => editor.dispose(),
  };
}
