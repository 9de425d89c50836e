import type { TestApp } from './test-app.js';

/** A route as the app's router holds it: its method and its path pattern (`/admin/accounts/:id`). */
export interface RouteEntry {
  method: string;
  path: string;
}

/**
 * Every route of the app, read from its own route table rather than listed by hand, so a route
 * added later is attacked without anyone remembering to add it to a test. `printRoutes` draws a
 * tree, each level indented by four characters, each node the part of the path it adds to its
 * parent's.
 */
export function routeTable(app: TestApp): RouteEntry[] {
  const routes: RouteEntry[] = [];
  const parents: string[] = [];
  for (const line of app.app.printRoutes({ commonPrefix: false }).split('\n')) {
    const node = line.match(/^((?:[│ ] {3})*)[└├]── (\S+) \(([A-Z, ]+)\)$/);
    if (!node) continue;
    const depth = node[1]!.length / 4;
    const path = (parents[depth - 1] ?? '') + node[2]!;
    parents[depth] = path;
    parents.length = depth + 1;
    for (const method of node[3]!.split(', ')) routes.push({ method, path });
  }
  return routes;
}
