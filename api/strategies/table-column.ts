/**
 * A Table column definition as a strategy declares it (meta.k8s.io TableColumnDefinition). A leaf module:
 * the strategy table and the printers both use it, and neither imports the other for it.
 */
export interface TableColumn {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}
