import type { OpenModule } from '../dialects/dialect.ts';
import { insightRoutes } from './insights.routes.ts';
import { Insights } from './insights.service.ts';

export async function openInsights(): Promise<OpenModule> {
  return {
    serve: async (app, d) => {
      await app.register(insightRoutes, {
        auth: d.auth,
        insights: new Insights(d.queries, d.apps, Date.now, d.config.queryTimeoutMs),
      });
    },
    close: async () => {},
  };
}
