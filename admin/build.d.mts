/** Types for build.mjs (plain JS so scripts/build.mjs can import it before anything is compiled). */
export declare const ASSETS_URL: string;
export interface BuildDashboardOptions {
  /** Where index.html and assets/ go, e.g. 'dist/admin/dashboard'. */
  outdir: string;
  minify?: boolean;
  sourcemap?: boolean;
}
export declare function buildDashboard(options: BuildDashboardOptions): Promise<{ outdir: string; files: string[] }>;
