/**
 * JSON-RPC framing checks that both MCP transports share, done before any MCP code runs, so
 * malformed input gets a JSON-RPC error with a correct HTTP status rather than an exception.
 */
export interface JsonRpcMessage {
  jsonrpc: '2.0';
  id?: string | number | null;
  method?: string;
  params?: Record<string, unknown>;
}

// JSON-RPC 2.0 error codes (https://www.jsonrpc.org/specification#error_object).
export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;

export function jsonRpcError(status: number, code: number, message: string, id: JsonRpcMessage['id'] = null): Response {
  return Response.json({ jsonrpc: '2.0', error: { code, message }, id }, { status });
}

/** Parses a POST body into JSON-RPC messages, or returns the error response to send instead. */
export function parseJsonRpc(text: string): JsonRpcMessage[] | Response {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return jsonRpcError(400, PARSE_ERROR, 'Parse error: the request body is not valid JSON.');
  }
  const messages = Array.isArray(value) ? value : [value];
  if (messages.length === 0) return jsonRpcError(400, INVALID_REQUEST, 'Invalid Request: empty batch.');
  for (const message of messages) {
    if (
      typeof message !== 'object' ||
      message === null ||
      (message as JsonRpcMessage).jsonrpc !== '2.0' ||
      ('method' in message && typeof (message as JsonRpcMessage).method !== 'string')
    ) {
      return jsonRpcError(400, INVALID_REQUEST, 'Invalid Request: expected a JSON-RPC 2.0 message object.');
    }
  }
  return messages as JsonRpcMessage[];
}
