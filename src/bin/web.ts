import { boot } from '../app/boot.js';

await boot('web');
