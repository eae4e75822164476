/** One benchmark figure: printed as `name value unit` and written to bench/results.json. */
export interface BenchFigure {
  name: string;
  value: number;
  unit: string;
  note?: string;
}
