/** The parts of an HTTP response the handler uses (Express's, without importing Express into a util library). */
interface JsonResponse {
  headersSent: boolean;
  status(code: number): { json(body: unknown): unknown };
}

/**
 * An error handler to mount right after a JSON body parser: a body over the
 * limit (body-parser's `entity.too.large`) is answered 413 with a GraphQL-shaped
 * error naming the limit, and malformed JSON (or JSON that is not an object or
 * array) 400 BAD_USER_INPUT on `body`, instead of an HTML page or
 * INTERNAL_SERVER_ERROR. Anything else goes on to the next handler.
 */
export function bodyLimitErrorHandler(maxBytes: number) {
  return (err: unknown, _req: unknown, res: JsonResponse, next: (err?: unknown) => void): void => {
    const type = (err as { type?: string } | null)?.type;
    if (res.headersSent || (type !== 'entity.too.large' && type !== 'entity.parse.failed')) return next(err);
    if (type === 'entity.too.large') {
      res.status(413).json({
        errors: [
          {
            message: `request body exceeds the limit of ${maxBytes} bytes`,
            extensions: { code: 'PAYLOAD_TOO_LARGE', maxBytes },
          },
        ],
      });
      return;
    }
    // The API's own code for a caller's mistake (as Apollo's refusals of a malformed request become in formatApiError).
    res.status(400).json({ errors: [{ message: 'body: not valid JSON', extensions: { code: 'BAD_USER_INPUT', field: 'body' } }] });
  };
}
