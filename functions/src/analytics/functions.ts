/** Registration of the analytics capability (API.md "Analytics", teacher). */
import { bigquery } from "../adapters/bigquery.js";
import { firestore } from "../adapters/firestore.js";
import { callable } from "../callable.js";
import { ANALYTICS_CACHE_SECONDS, BIGQUERY_DATASET } from "../config.js";
import { onCallable } from "../on-callable.js";
import { analyticsCallableOptions } from "../options.js";
import { RATE_LIMITS } from "../rate-limit.js";
import { GetAnalyticsRequest } from "../schemas/analytics.js";
import { getAnalytics as report } from "./analytics.js";

export const handleGetAnalytics = callable({ name: "getAnalytics", schema: GetAnalyticsRequest, role: "teacher", rateLimit: RATE_LIMITS.getAnalytics }, async (input) =>
  report({ db: await firestore(), bigquery, dataset: BIGQUERY_DATASET.value(), cacheSeconds: ANALYTICS_CACHE_SECONDS.value() }, input),
);

export const getAnalytics = onCallable(analyticsCallableOptions, handleGetAnalytics);
