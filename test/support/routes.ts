import type { Server } from 'node:http';

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
  /** The path a router is mounted at (`app.use('/dev/lms', router)`); '/' for routers mounted at the root. */
  rawPath?: string | string[];
}

/**
 * Every route the running express application answers, as "METHOD /path" (express 5: the app's router
 * stack, descending into mounted routers). The isolation suite compares this with its table, so a route
 * added without an isolation case fails the suite.
 */
export function registeredRoutes(server: Server): string[] {
  const app = server.listeners('request')[0] as unknown as { router?: { stack: Layer[] } };
  const routes = new Set<string>();
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const method of Object.keys(layer.route.methods).filter((m) => layer.route?.methods[m]))
          for (const path of paths) routes.add(`${method.toUpperCase()} ${prefix}${path}`);
      } else if (layer.handle?.stack) {
        const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
        walk(layer.handle.stack, `${prefix}${mount}`);
      }
    }
  };
  walk(app.router?.stack ?? [], '');
  return [...routes].sort();
}
