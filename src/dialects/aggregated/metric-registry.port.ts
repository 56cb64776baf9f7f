/**
 * MetricRegistry port: the metrics a tenant defined — the `activity_type`s the
 * aggregated-usage API accepts. Kept beside the catalog, in the same database.
 */

/** A usage metric of the aggregated-usage API (its `activity_type`). */
export interface Metric {
  /** `primary`, or `secondary` followed by a number. */
  key: string;
  description: string | null;
}

export interface MetricRegistry {
  /** Sorted by key. */
  list(tenantId: string): Promise<Metric[]>;
  /** Defines the metric, or changes its description. */
  put(tenantId: string, metric: Metric): Promise<Metric>;
  /** False when it was not defined. */
  remove(tenantId: string, key: string): Promise<boolean>;
  close(): Promise<void>;
}
