/** The money journeys of web client v2 at 390 px (web/e2e/money-journeys.ts; 1280 px in money-v2.test.ts). */
import { useBrowser } from './browser.ts';
import { moneyJourneys } from './money-journeys.ts';

moneyJourneys(useBrowser(), 390);
