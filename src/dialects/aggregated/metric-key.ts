/**
 * The metric keys a tenant may define: `primary`, `secondary1`, `secondary2`, … Its own
 * file, without imports: the console's form checks keys with it too.
 */
export const METRIC_KEY = '^(primary|secondary[0-9]{1,4})$';
