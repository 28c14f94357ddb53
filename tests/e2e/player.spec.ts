import { expect, keepScreenshot, tabTo, test } from './support/fixtures';
import {
  answerInSignInWindow,
  collectPlayerProblems,
  control,
  inspect,
  inspector,
  message,
  openPlayer,
  playerOf,
  recordStateChanges,
  runThroughSignIn,
  step,
  stepButtons,
  stepInfo,
  waitForPhase,
} from './support/player';

/**
 * The live flow player against the production build: a real run of option 1 (the Worker is the
 * authorization server) from the /lab page, with sign-in and consent in the real sign-in window,
 * and every message of the diagram checked against the real exchange behind it.
 */
test.describe('the flow player', () => {
  test('Run: every required message lights up in order, with the real exchange behind it', async ({ page, origin }) => {
    const problems = collectPlayerProblems(page, [{ status: 401, url: `${origin}/mcp` }]);
    await openPlayer(page);
    const before = await stepInfo(page);
    expect(before.length).toBeGreaterThan(10);
    expect(before.every((info) => info.state === 'pending')).toBe(true);
    // The SVG carries the same contract as the list, message for message.
    for (const info of before) await expect(message(page, info.id)).toHaveAttribute('data-state', 'pending');
    const changes = await recordStateChanges(page);

    await runThroughSignIn(page, 'player-run');
    await waitForPhase(page, 'success');

    const after = await stepInfo(page);
    const required = after.filter((info) => !info.optional);
    expect(required.map((info) => `${info.id}:${info.state}`)).toEqual(required.map((info) => `${info.id}:done`));
    for (const info of after) await expect(message(page, info.id)).toHaveAttribute('data-state', info.state);
    // In order: the exchanges behind the messages happened in diagram order...
    const times = after.filter((info) => info.at !== null).map((info) => info.at!);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    // ...and the page's own requests lit their messages in that order too (the Worker's records of
    // the sign-in window arrive over the trace stream and may trail by a moment).
    const pageSteps = new Set(['probe', 'resource-metadata', 'as-metadata', 'register', 'token', 'initialize', 'initialized', 'tools-list', 'tools-call']);
    const litOrder = (await changes()).filter((change) => change.state === 'done' && pageSteps.has(change.id)).map((change) => change.id);
    expect(litOrder).toEqual(after.filter((info) => pageSteps.has(info.id)).map((info) => info.id));
    // The optional steps of other registrations did not happen.
    await expect(step(page, 'preregistered')).toHaveAttribute('data-state', 'skipped');

    // Real data behind the messages.
    const probe = await inspect(page, 'probe');
    const challenge = probe.locator('.fp-exchange [data-part="response"] > .fp-raw');
    await expect(challenge).toContainText(/^www-authenticate: Bearer .*$/m);
    await expect(challenge).toContainText(`resource_metadata="${origin}/.well-known/oauth-protected-resource/mcp"`);
    await expect(probe.locator('.fp-http-status')).toContainText('401 Unauthorized');

    const token = await inspect(page, 'token');
    await expect(token.locator('.fp-exchange')).toContainText(/"token_type": "bearer"/i);
    await expect(token.locator('.fp-exchange')).toContainText('"access_token": "[masked access_token');
    const reveal = token.getByRole('button', { name: 'Reveal this page’s secrets' });
    await reveal.click();
    await expect(reveal).toHaveAttribute('aria-pressed', 'true');
    await expect(token.locator('.fp-exchange')).not.toContainText('[masked access_token');
    await reveal.click();
    await expect(token.locator('.fp-exchange')).toContainText('[masked access_token');

    const whoami = await inspect(page, 'tools-call');
    await expect(whoami.locator('.fp-exchange')).toContainText('"name": "player-run"');
    await expect(whoami.locator('.fp-exchange')).toContainText(`"audience": "${origin}/mcp"`);

    // The client's own checks, all passed.
    const checks = playerOf(page).getByRole('region', { name: 'Checks the client makes' }).getByRole('listitem');
    await expect(checks).toHaveCount(6);
    await expect(checks.filter({ hasText: 'Failed:' })).toHaveCount(0);
    await expect(playerOf(page).locator('[data-fp-live]')).toContainText(`Step ${after.length} of ${after.length} done`);

    await keepScreenshot(page, 'player-run-desktop-light');
    expect(problems).toEqual([]);
  });

  test('Step: one request per press, the sign-in window opened by the press that needs it', async ({ page }) => {
    await openPlayer(page);
    await control(page, 'Step').click();
    await expect(step(page, 'probe')).toHaveAttribute('data-state', 'done');
    await expect(playerOf(page)).toHaveAttribute('data-phase', 'paused');
    await expect(step(page, 'resource-metadata')).toHaveAttribute('data-state', 'pending');
    await expect(playerOf(page).locator('[data-fp-status]')).toContainText('Next: resource-metadata');

    let presses = 1;
    for (; presses < 30; presses++) {
      await expect(control(page, 'Step')).toBeEnabled();
      const doneBefore = (await stepInfo(page)).filter((info) => info.state === 'done').length;
      const needsWindow = (await playerOf(page).locator('[data-fp-status]').innerText()).includes('Next: authorize');
      if (needsWindow) {
        const popupOpened = page.waitForEvent('popup');
        await control(page, 'Step').click();
        await answerInSignInWindow(await popupOpened, { userName: 'player-step', decision: 'Allow' });
      } else {
        await control(page, 'Step').click();
      }
      await expect(playerOf(page)).toHaveAttribute('data-phase', /paused|success/);
      // Each press moved the run forward and no further than its own action.
      const done = (await stepInfo(page)).filter((info) => info.state === 'done').length;
      expect(done).toBeGreaterThan(doneBefore);
      if ((await playerOf(page).getAttribute('data-phase')) === 'success') break;
    }
    const required = (await stepInfo(page)).filter((info) => !info.optional);
    expect(required.every((info) => info.state === 'done')).toBe(true);
    expect(presses).toBeGreaterThanOrEqual(8);
  });

  test('Pause stops after the request in progress; Continue runs to the end', async ({ page }) => {
    await openPlayer(page);
    const popupOpened = page.waitForEvent('popup');
    await control(page, 'Run').click();
    const popup = await popupOpened;
    await popup.waitForURL((url) => url.pathname === '/authorize');
    // The run is waiting for the user at the authorization: pause it there.
    await control(page, 'Pause').click();
    await answerInSignInWindow(popup, { userName: 'player-pause', decision: 'Allow' });
    await waitForPhase(page, 'paused');
    await expect(step(page, 'callback')).toHaveAttribute('data-state', 'done');
    await expect(step(page, 'token')).toHaveAttribute('data-state', 'pending');
    await expect(playerOf(page).locator('[data-fp-status]')).toContainText('Next: token');
    await control(page, 'Continue').click();
    await waitForPhase(page, 'success');
    await expect(step(page, 'tools-call')).toHaveAttribute('data-state', 'done');
  });

  test('legacy HTTP+SSE, on the transports lesson: its own diagram, every required message done', async ({ page }) => {
    await openPlayer(page, '/lessons/transports/');
    await expect(playerOf(page).getByRole('radio', { name: 'Legacy HTTP+SSE' })).toBeChecked();
    await expect(step(page, 'open-stream')).toHaveCount(1);
    await runThroughSignIn(page, 'player-sse');
    await waitForPhase(page, 'success');
    const required = (await stepInfo(page)).filter((info) => !info.optional);
    expect(required.map((info) => `${info.id}:${info.state}`)).toEqual(required.map((info) => `${info.id}:done`));
    // The answers arrive on the stream the client opened with its token, not on the POSTs (202).
    const stream = await inspect(page, 'open-stream');
    await expect(stream.locator('.fp-exchange')).toContainText('event: endpoint');
    await expect(stream.locator('.fp-exchange')).toContainText('"name": "player-sse"');
    const call = await inspect(page, 'tools-call');
    await expect(call.locator('.fp-http-status')).toContainText('202 Accepted');
    await expect(call.locator('.fp-request-line')).toContainText('/sse/message?sessionId=');
  });

  test('keyboard only: run, sign in, allow, and read a message in the inspector', async ({ page }) => {
    await openPlayer(page);
    const run = control(page, 'Run');
    await tabTo(page, run, 40);
    const popupOpened = page.waitForEvent('popup');
    await page.keyboard.press('Enter');
    const popup = await popupOpened;
    await answerInSignInWindow(popup, { userName: 'player-keyboard', decision: 'Allow', keyboard: true });
    await waitForPhase(page, 'success');

    // The step list: Tab to it, arrows within it, Enter opens the inspector and moves focus there.
    const first = stepButtons(page).first();
    await tabTo(page, first, 60);
    await page.keyboard.press('ArrowDown');
    await expect(stepButtons(page).nth(1)).toBeFocused();
    await page.keyboard.press('End');
    await expect(stepButtons(page).last()).toBeFocused();
    await page.keyboard.press('Home');
    await page.keyboard.press('Enter');
    const heading = inspector(page).locator('.fp-panel-title');
    await expect(heading).toBeFocused();
    await expect(heading).toHaveText(/POST \/mcp initialize/);
    await page.keyboard.press('Escape');
    await expect(first).toBeFocused();
    await expect(first).toHaveAttribute('aria-current', 'true');
  });

  test('after the flow: the tool playground opens under the run, with the run’s token', async ({ page }) => {
    await openPlayer(page);
    await runThroughSignIn(page, 'player-tools');
    await waitForPhase(page, 'success');

    const tools = playerOf(page).getByRole('region', { name: 'After the flow' });
    const disclosure = tools.getByRole('button', { name: 'Open the editor' });
    await expect(disclosure).toHaveAttribute('aria-expanded', 'false');
    await disclosure.click();
    await expect(tools.getByRole('button', { name: 'Close the editor' })).toHaveAttribute('aria-expanded', 'true');
    await expect(tools.locator('.monaco-editor')).toContainText('"whoami"');
    await tools.getByRole('button', { name: 'Send', exact: true }).click();
    await expect(tools.locator('[data-pg-result] .pg-kind')).toContainText('Result', { timeout: 15_000 });
    await expect(tools.locator('[data-pg-result]')).toContainText('"client_id"');
  });

  test('after the flow: step-up, refresh and revoke, each on its own diagram', async ({ page }) => {
    await openPlayer(page);
    await runThroughSignIn(page, 'player-after');
    await waitForPhase(page, 'success');

    const after = playerOf(page).getByRole('region', { name: 'After the flow' });
    const popupOpened = page.waitForEvent('popup');
    await after.getByRole('button', { name: 'Step up: call save_note' }).click();
    await answerInSignInWindow(await popupOpened, { userName: 'player-after', decision: 'Allow' });
    await expect(playerOf(page).getByRole('button', { name: 'Step-up', exact: true })).toHaveAttribute('aria-pressed', 'true');
    await expect(step(page, 'call-allowed')).toHaveAttribute('data-state', 'done', { timeout: 15_000 });
    await expect(step(page, 'call-denied')).toHaveAttribute('data-state', 'done');

    await after.getByRole('button', { name: 'Refresh the token' }).click();
    await expect(step(page, 'refresh')).toHaveAttribute('data-state', 'done');
    await after.getByRole('button', { name: 'Revoke the token' }).click();
    await expect(step(page, 'revoke')).toHaveAttribute('data-state', 'done');
    await expect(step(page, 'revoked-call')).toHaveAttribute('data-state', 'done');
    const revoked = await inspect(page, 'revoked-call');
    await expect(revoked.locator('.fp-exchange')).toContainText('invalid_token');

    await playerOf(page).getByRole('button', { name: 'Main flow', exact: true }).click();
    await expect(step(page, 'tools-call')).toHaveAttribute('data-state', 'done');
  });
});
