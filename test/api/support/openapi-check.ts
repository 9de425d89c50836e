import assert from 'node:assert/strict';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { Page } from '../../support/browser.js';

interface Operation {
  responses: Record<string, { content?: Record<string, { schema: object }> }>;
}
type Document = { paths: Record<string, Record<string, Operation>> };

/**
 * Checks real responses against the served /api/openapi.json: the path and method must be
 * documented, the status listed for that operation, and a body valid against the schema of its
 * media type (so a problem's `code` must be one the operation documents for that status).
 */
export class OpenApiCheck {
  private readonly ajv = new Ajv({ strict: false, allErrors: true });
  private readonly compiled = new Map<object, ValidateFunction>();
  private readonly routes: { pattern: RegExp; path: string }[];
  /** "METHOD path status" of every response checked, for the coverage test. */
  readonly seen = new Set<string>();

  constructor(readonly doc: Document) {
    addFormats.default(this.ajv);
    this.routes = Object.keys(doc.paths).map((path) => ({
      path,
      pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`),
    }));
  }

  /** The documented path template a concrete URL path falls under (a static path wins over a template). */
  template(pathname: string): string | undefined {
    const matches = this.routes.filter((r) => r.pattern.test(pathname));
    return (matches.find((r) => !r.path.includes('{')) ?? matches[0])?.path;
  }

  check(method: string, url: string, page: Page): void {
    const { pathname } = new URL(url, 'http://x');
    const path = this.template(pathname);
    assert.ok(path, `${method} ${pathname}: path not in /api/openapi.json`);
    const operation = this.doc.paths[path]![method.toLowerCase()];
    assert.ok(operation, `${method} ${path}: method not in /api/openapi.json`);
    const response = operation.responses[String(page.status)];
    assert.ok(response, `${method} ${path}: status ${page.status} not documented (body: ${page.body.slice(0, 200)})`);
    this.seen.add(`${method} ${path} ${page.status}`);
    if (page.body === '') return;
    const mediaType = String(page.headers['content-type'] ?? '')
      .split(';')[0]!
      .trim();
    const content = response.content?.[mediaType];
    assert.ok(content, `${method} ${path} ${page.status}: media type ${mediaType} not documented`);
    let validate = this.compiled.get(content.schema);
    if (!validate) this.compiled.set(content.schema, (validate = this.ajv.compile(content.schema)));
    assert.ok(
      validate(JSON.parse(page.body)),
      `${method} ${path} ${page.status}: body does not match the document: ${this.ajv.errorsText(validate.errors)}\n${page.body.slice(0, 500)}`,
    );
  }
}
