/**
 * Stop word lists, based on the Snowball project's English and Spanish lists (snowballstem.org),
 * plus the contractions' fragments that our tokeniser produces ("don't" -> "don", "t").
 * Kept as data here rather than a dependency: the lists are small, stable, and we need them
 * accent-folded the same way as the tokens they are compared against.
 */

/** English stop words (lowercase, as written). */
export const ENGLISH_STOP_WORDS: readonly string[] = `
a about above after again against all am an and any are aren as at be because been before being below
between both but by can cannot could couldn did didn do does doesn doing don down during each few for from
further had hadn has hasn have haven having he her here hers herself him himself his how i if in into is
isn it its itself let ll me more most mustn my myself no nor not of off on once only or other ought our ours
ourselves out over own re s same shan she should shouldn so some such t than that the their theirs them
themselves then there these they this those through to too under until up ve very was wasn we were weren
what when where which while who whom why will with won would wouldn you your yours yourself yourselves
d m o y also just can't may might must shall us im ive id
`
  .trim()
  .split(/\s+/);

/** Spanish stop words (lowercase, with accents as written; folded on load). */
export const SPANISH_STOP_WORDS: readonly string[] = `
de la que el en y a los del se las por un para con no una su al lo como más pero sus le ya o este sí
porque esta entre cuando muy sin sobre también me hasta hay donde quien desde todo nos durante todos uno
les ni contra otros ese eso ante ellos e esto mí antes algunos qué unos yo otro otras otra él tanto esa
estos mucho quienes nada muchos cual poco ella estar estas algunas algo nosotros mi mis tú te ti tu tus
ellas nosotras vosotros vosotras os mío mía míos mías tuyo tuya tuyos tuyas suyo suya suyos suyas nuestro
nuestra nuestros nuestras vuestro vuestra vuestros vuestras esos esas estoy estás está estamos estáis
están esté estés estemos estéis estén estaré estarás estará estaremos estaréis estarán estaba estabas
estábamos estabais estaban estuve estuviste estuvo estuvimos estuvisteis estuvieron he has ha hemos
habéis han haya hayas hayamos hayáis hayan habré habrás habrá habremos habréis habrán había habías
habíamos habíais habían hube hubo soy eres es somos sois son sea seas seamos seáis sean seré serás será
seremos seréis serán era eras éramos erais eran fui fuiste fue fuimos fuisteis fueron tengo tienes tiene
tenemos tenéis tienen tenga tengas tengamos tengáis tengan tuve tuvo tenía tenían cómo cuál cuándo dónde
puedo puede pueden hacer hago
`
  .trim()
  .split(/\s+/);
