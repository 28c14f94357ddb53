import { describe, expect, it } from 'vitest';
import { attackerTag, mayCarryTrace, newTraceId, TRACE_ID_PATTERN, traceCookie, verifiedAttackerTraceId, verifiedTraceId } from './trace-cookie';

const SECRET = 'unit-test-secret-0123456789abcdef0123456789';
const requestWith = (cookie: string) => new Request('https://lab.example/authorize', { headers: { cookie } });
const pairOf = (setCookie: string) => setCookie.split(';')[0];

describe('trace ids', () => {
  it('are 32 random bytes in base64url, different each time', () => {
    const ids = new Set(Array.from({ length: 50 }, newTraceId));
    expect(ids.size).toBe(50);
    for (const id of ids) expect(id).toMatch(TRACE_ID_PATTERN);
  });
});

describe('the trace cookie', () => {
  it('is a __Host- cookie the page cannot read, sent on top-level navigations back from other sites', async () => {
    const cookie = await traceCookie(newTraceId(), SECRET);
    expect(cookie).toMatch(/^__Host-lab-trace=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}; Path=\/; Secure; HttpOnly; SameSite=Lax; Max-Age=1800$/);
  });

  it('proves its trace id among other cookies', async () => {
    const traceId = newTraceId();
    const request = requestWith(`a=1; ${pairOf(await traceCookie(traceId, SECRET))}; b=2`);
    expect(mayCarryTrace(request)).toBe(true);
    expect(await verifiedTraceId(request, SECRET)).toBe(traceId);
  });

  it('proves nothing when forged, signed with another secret, moved to another id, or malformed', async () => {
    const traceId = newTraceId();
    const [, mac] = pairOf(await traceCookie(traceId, SECRET)).split('=')[1].split('.');
    const otherSecret = pairOf(await traceCookie(traceId, `${SECRET}-other`));
    const forgedMac = `${mac.slice(0, -2)}${mac.endsWith('AA') ? 'BB' : 'AA'}`;
    for (const cookie of [
      `__Host-lab-trace=${traceId}.${forgedMac}`,
      otherSecret,
      `__Host-lab-trace=${newTraceId()}.${mac}`,
      `__Host-lab-trace=${traceId}`,
      `__Host-lab-trace=${traceId}.${mac}.x`,
      `__Host-lab-trace=short.${mac}`,
      `lab-trace=${traceId}.${mac}`,
    ]) {
      expect(await verifiedTraceId(requestWith(cookie), SECRET), cookie).toBeNull();
    }
  });

  it('is not even looked for when the request has no trace cookie', () => {
    expect(mayCarryTrace(requestWith('__Host-session=x'))).toBe(false);
    expect(mayCarryTrace(new Request('https://lab.example/'))).toBe(false);
  });
});

describe('the attacker tag', () => {
  it('proves its trace id, and nothing when forged, signed with another secret or malformed', async () => {
    const traceId = newTraceId();
    const tag = await attackerTag(traceId, SECRET);
    expect(tag).toMatch(new RegExp(`^${traceId}\\.[A-Za-z0-9_-]{43}$`));
    expect(await verifiedAttackerTraceId(tag, SECRET)).toBe(traceId);
    const mac = tag.split('.')[1];
    for (const forged of [`${traceId}.${mac.slice(0, -2)}${mac.endsWith('AA') ? 'BB' : 'AA'}`, await attackerTag(traceId, `${SECRET}-other`), `${newTraceId()}.${mac}`, traceId, `${tag}.x`, null]) {
      expect(await verifiedAttackerTraceId(forged, SECRET), String(forged)).toBeNull();
    }
  });

  it('and the trace cookie are signed for different purposes: neither stands in for the other', async () => {
    const traceId = newTraceId();
    const cookieValue = pairOf(await traceCookie(traceId, SECRET)).split('=')[1];
    expect(await verifiedAttackerTraceId(cookieValue, SECRET)).toBeNull();
    expect(await verifiedTraceId(requestWith(`__Host-lab-trace=${await attackerTag(traceId, SECRET)}`), SECRET)).toBeNull();
  });
});
