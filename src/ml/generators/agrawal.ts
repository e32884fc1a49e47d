/**
 * Agrawal et al.'s (1993) loan-applicant functions, as MOA's `AgrawalGenerator`: nine attributes
 * (elevel, car and zipcode nominal, emitted as MOA's value names "level0", "car1", "zipcode1", …),
 * class 0 ("groupA") when the chosen function's condition holds. With `perturbFraction` > 0 numeric
 * values are perturbed by ±fraction of their range and clamped, including MOA's quirk of clamping
 * hvalue to at most 135,000.
 */

import { checkInteger, checkNumber } from '../learner.ts';
import { JavaRandom } from '../math/java-random.ts';
import { type Example, StreamGenerator } from './stream-generator.ts';

type ClassFunction = (
  s: number,
  c: number,
  age: number,
  elevel: number,
  hvalue: number,
  hyears: number,
  loan: number,
) => number;

const band = (v: number, lo: number, hi: number) => lo <= v && v <= hi;
const FUNCTIONS: ClassFunction[] = [
  (_s, _c, age) => (age < 40 || 60 <= age ? 0 : 1),
  (s, _c, age) =>
    (age < 40 ? band(s, 50000, 100000) : age < 60 ? band(s, 75000, 125000) : band(s, 25000, 75000)) ? 0 : 1,
  (_s, _c, age, e) =>
    (age < 40 ? e === 0 || e === 1 : age < 60 ? e >= 1 && e <= 3 : e >= 2 && e <= 4) ? 0 : 1,
  (s, _c, age, e) => {
    if (age < 40) return (e === 0 || e === 1 ? band(s, 25000, 75000) : band(s, 50000, 100000)) ? 0 : 1;
    if (age < 60) return (e >= 1 && e <= 3 ? band(s, 50000, 100000) : band(s, 75000, 125000)) ? 0 : 1;
    return (e >= 2 && e <= 4 ? band(s, 50000, 100000) : band(s, 25000, 75000)) ? 0 : 1;
  },
  (s, _c, age, _e, _h, _y, loan) => {
    if (age < 40)
      return (band(s, 50000, 100000) ? band(loan, 100000, 300000) : band(loan, 200000, 400000)) ? 0 : 1;
    if (age < 60)
      return (band(s, 75000, 125000) ? band(loan, 200000, 400000) : band(loan, 300000, 500000)) ? 0 : 1;
    return (band(s, 25000, 75000) ? band(loan, 300000, 500000) : band(loan, 100000, 300000)) ? 0 : 1;
  },
  (s, c, age) => {
    const t = s + c;
    return (age < 40 ? band(t, 50000, 100000) : age < 60 ? band(t, 75000, 125000) : band(t, 25000, 75000))
      ? 0
      : 1;
  },
  (s, c, _a, _e, _h, _y, loan) => ((2 * (s + c)) / 3 - loan / 5 - 20000 > 0 ? 0 : 1),
  (s, c, _a, e) => ((2 * (s + c)) / 3 - 5000 * e - 20000 > 0 ? 0 : 1),
  (s, c, _a, e, _h, _y, loan) => ((2 * (s + c)) / 3 - 5000 * e - loan / 5 - 10000 > 0 ? 0 : 1),
  (s, c, _a, e, hvalue, hyears) => {
    const equity = hyears >= 20 ? (hvalue * (hyears - 20)) / 10 : 0;
    return (2 * (s + c)) / 3 - 5000 * e + equity / 5 - 10000 > 0 ? 0 : 1;
  },
];

/** Options of `AgrawalGenerator` (MOA defaults). */
export interface AgrawalOptions {
  /** Classification function 1–10 (1). */
  function?: number;
  /** Seed of the instance random stream (1). */
  seed?: number;
  /** Perturbation of numeric values as a fraction of their range (0.05). */
  perturbFraction?: number;
  /** Alternate the classes (false). */
  balanceClasses?: boolean;
}

/**
 * Agrawal stream; rows equal MOA's for the same seed.
 *
 * @example
 * const agrawal = new AgrawalGenerator({ function: 3 });
 * agrawal.next().x.elevel; // 'level2'
 */
export class AgrawalGenerator extends StreamGenerator {
  private readonly rng: JavaRandom;
  private readonly classify: ClassFunction;
  private readonly perturb: number;
  private readonly balance: boolean;
  private nextClassShouldBeZero = false;

  constructor(options: AgrawalOptions = {}) {
    super();
    this.classify = FUNCTIONS[checkInteger('AgrawalGenerator', 'function', options.function ?? 1, 1, 10) - 1];
    this.perturb = checkNumber('AgrawalGenerator', 'perturbFraction', options.perturbFraction ?? 0.05, 0, 1);
    this.rng = new JavaRandom(
      checkInteger('AgrawalGenerator', 'seed', options.seed ?? 1, -(2 ** 53), 2 ** 53),
    );
    this.balance = options.balanceClasses ?? false;
  }

  next(): Example {
    const r = this.rng;
    let salary: number;
    let commission: number;
    let age: number;
    let elevel: number;
    let car: number;
    let zipcode: number;
    let hvalue: number;
    let hyears: number;
    let loan: number;
    let group: number;
    for (;;) {
      salary = 20000 + 130000 * r.nextDouble();
      commission = salary >= 75000 ? 0 : 10000 + 65000 * r.nextDouble();
      age = 20 + r.nextInt(61);
      elevel = r.nextInt(5);
      car = r.nextInt(20);
      zipcode = r.nextInt(9);
      hvalue = (9 - zipcode) * 100000 * (0.5 + r.nextDouble());
      hyears = 1 + r.nextInt(30);
      loan = r.nextDouble() * 500000;
      group = this.classify(salary, commission, age, elevel, hvalue, hyears, loan);
      if (!this.balance) break;
      if (this.nextClassShouldBeZero === (group === 0)) {
        this.nextClassShouldBeZero = !this.nextClassShouldBeZero;
        break;
      }
    }
    if (this.perturb > 0) {
      salary = this.perturbValue(salary, 130000, 20000, 150000);
      if (commission > 0) commission = this.perturbValue(commission, 65000, 10000, 75000);
      age = Math.round(this.perturbValue(age, 60, 20, 80));
      hvalue = this.perturbValue(hvalue, (9 - zipcode) * 100000, 0, 135000);
      hyears = Math.round(this.perturbValue(hyears, 29, 1, 30));
      loan = this.perturbValue(loan, 500000, 0, 500000);
    }
    return {
      x: {
        salary,
        commission,
        age,
        elevel: `level${elevel}`,
        car: `car${car + 1}`,
        zipcode: `zipcode${zipcode + 1}`,
        hvalue,
        hyears,
        loan,
      },
      y: group,
    };
  }

  private perturbValue(value: number, range: number, min: number, max: number): number {
    value += range * (2 * (this.rng.nextDouble() - 0.5)) * this.perturb;
    return Math.min(max, Math.max(min, value));
  }
}
