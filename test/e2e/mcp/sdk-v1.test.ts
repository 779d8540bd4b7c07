import { useChromium } from './helpers/browser.js';
import { describeMcpClient } from './helpers/scenarios.js';
import { sdkV1 } from './helpers/sdks.js';

useChromium();
describeMcpClient(sdkV1);
