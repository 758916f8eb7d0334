export declare const README: string;
export declare function sizesBlock(sizes: Record<string, { raw: number; gzip: number }>): string;
export declare function performanceBlock(results: unknown): string;
export declare function withFigures(readme: string, blocks: Record<string, string>): string;
export declare function markedFigures(readme: string): Record<string, string>;
export declare function figures(): Record<string, string>;
