/**
 * Shows only the rules that are new or changed in one revision ('' shows every rule), and hides a
 * topic left empty. Returns how many rules are shown.
 */
export function filterRules(root: ParentNode, revision: string): number {
  let shown = 0;
  for (const topic of root.querySelectorAll<HTMLElement>('[data-topic]')) {
    let shownInTopic = 0;
    for (const rule of topic.querySelectorAll<HTMLElement>('[data-revisions]')) {
      const match = revision === '' || rule.dataset.revisions!.split(' ').includes(revision);
      rule.hidden = !match;
      if (match) shownInTopic += 1;
    }
    topic.hidden = shownInTopic === 0;
    shown += shownInTopic;
  }
  return shown;
}
