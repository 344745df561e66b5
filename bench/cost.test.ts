import { describe, expect, it } from 'vitest';
import { routeList, routes } from '../src/api/routes.ts';
import { functions } from '../src/functions.ts';
import { costPerMillion, lambdaMemory, PRICES } from './cost.ts';

describe('cost per million operations', () => {
  it('adds API Gateway, Lambda requests and GB-seconds, and DynamoDB request units at list prices', () => {
    const c = costPerMillion({ units: { wru: 14, rru: 3 }, lambdaMs: 14.2, memoryMB: 512 });
    expect(c.apiGateway).toBe(1);
    expect(c.lambdaRequests).toBe(0.2);
    // 15 ms (billed rounded up) x 0.5 GB x 1e6 x $0.0000133334
    expect(c.lambdaDuration).toBe(0.1);
    expect(c.dynamodb).toBe(14 * 0.625 + 3 * 0.125);
    expect(c.total).toBeCloseTo(1 + 0.2 + 0.1 + 9.125, 4);
  });

  it('scales duration with memory', () => {
    const small = costPerMillion({ units: { wru: 0, rru: 0 }, lambdaMs: 100, memoryMB: 512 });
    const large = costPerMillion({ units: { wru: 0, rru: 0 }, lambdaMs: 100, memoryMB: 1024 });
    expect(large.lambdaDuration).toBeCloseTo(2 * small.lambdaDuration, 3);
    expect(small.lambdaDuration).toBeCloseTo(0.1 * 0.5 * 1e6 * PRICES.lambdaArmPerGbSecond, 4);
  });
});

describe('lambdaMemory', () => {
  it("is the registry's memory of the function behind the route", () => {
    expect(lambdaMemory(routes.transfer)).toEqual({
      memoryMB: functions.money.memoryMb,
      source: 'src/functions.ts (money)',
    });
    const statements = routeList.find((r) => r.fn === 'statement-files');
    if (statements) expect(lambdaMemory(statements).memoryMB).toBe(functions['statement-files'].memoryMb);
  });
});
