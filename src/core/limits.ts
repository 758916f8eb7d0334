// The sizes gradwasm refuses to go past, in the lowest layer because every layer checks against
// them: the data (columns), the network (units), the backends (memory).

/** The widest layer accepted, and so the most features a row may have (they are the first layer's
 *  inputs); larger ones are almost surely a mistake (and would not fit the batch arena). */
export const MAX_UNITS = 1 << 16;

/** wasm32 addresses 4 GiB: no model's memory plan, nor the memory limit, may pass it. */
export const ADDRESS_SPACE = 2 ** 32;
