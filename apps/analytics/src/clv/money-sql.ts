/**
 * `Number.prototype.toFixed` in SQL, for events built in the database that
 * must carry exactly the amounts `estimateMoney` (clv-events.ts) gives in
 * Node. toFixed rounds the double's exact binary value, ties away from zero
 * (ECMA-262: "if there are two such n, pick the larger n", on |x|).
 * `float8::numeric` cannot be used: it rounds to 15 significant digits first,
 * so 1.005 (binary 1.00499999999999989…) would become 1.01 instead of 1.00.
 *
 * The double is taken apart exactly instead: its 64 bits (float8send) give
 * an integer significand m and a power of two q with |x| = m · 2^q, and
 * round(|x|, d) = floor((2 · m · 10^d + 2^-q) / 2^(1-q)) / 10^d for q < 0 —
 * integer numeric arithmetic, exact at any size (numeric ^ integer is exact).
 * From 1e21 toFixed returns String(x) (exponent form), as float8out does with
 * extra_float_digits ≥ 1 (the default); NaN and ±Infinity likewise.
 *
 * A single expression (no function, no subquery), so it costs a few C calls
 * per row; `x` and `digits` are SQL expressions evaluated several times, so
 * pass columns or parameters, not volatile expressions.
 */
export function toFixedSql(x: string, digits: string): string {
  const bits = `(('x' || encode(float8send(abs(${x})), 'hex'))::bit(64)::bigint)`;
  const exponent = `(${bits} >> 52)`;
  // Subnormals (exponent 0) have no hidden bit and the smallest power of two.
  const significand = `(CASE WHEN ${exponent} = 0 THEN ${bits} ELSE (${bits} & 4503599627370495) | 4503599627370496 END)::numeric`;
  const power = `(CASE WHEN ${exponent} = 0 THEN -1074 ELSE ${exponent}::int - 1075 END)`;
  const scaled = `(CASE WHEN ${power} >= 0 THEN ${significand} * 2::numeric ^ ${power} * 10::numeric ^ ${digits}
        ELSE div(${significand} * 10::numeric ^ ${digits} * 2 + 2::numeric ^ (-${power}), 2::numeric ^ (1 - ${power})) END)`;
  return `(CASE WHEN ${x} = 'NaN'::float8 OR abs(${x}) >= 1e21 THEN ${x}::text
        ELSE (CASE WHEN ${x} < 0 THEN '-' ELSE '' END) || round(${scaled} / 10::numeric ^ ${digits}, ${digits})::text END)`;
}
