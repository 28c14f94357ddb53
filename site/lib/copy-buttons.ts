/** "Copy" buttons on code blocks: progressive enhancement, hidden until this script runs. */
export function setUpCopyButtons(): void {
  for (const button of document.querySelectorAll<HTMLButtonElement>('[data-copy-target]')) {
    const source = document.getElementById(button.dataset.copyTarget ?? '');
    if (!source || !navigator.clipboard) continue;
    const label = button.querySelector('[data-copy-label]') ?? button;
    button.hidden = false;
    button.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(source.textContent ?? '');
        label.textContent = 'Copied';
      } catch {
        label.textContent = 'Press Ctrl+C';
      }
      setTimeout(() => (label.textContent = 'Copy'), 2000);
    });
  }
}
