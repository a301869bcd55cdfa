import { DateTime } from 'luxon';

const SPANISH_CITIES: Record<string, string> = {
  'New York': 'Nueva York',
  'Mexico City': 'Ciudad de México',
  London: 'Londres',
  'Sao Paulo': 'São Paulo',
  Bogota: 'Bogotá',
  Lisbon: 'Lisboa',
  Berlin: 'Berlín',
  Paris: 'París',
  Tokyo: 'Tokio',
  'Los Angeles': 'Los Ángeles',
};

/** "America/New_York" → "New York": the city people recognise in a zone name. */
export function zoneCity(timeZone: string, language: 'en' | 'es' = 'en'): string {
  const city = (timeZone.split('/').pop() ?? timeZone).replace(/_/g, ' ');
  return language === 'es' ? (SPANISH_CITIES[city] ?? city) : city;
}

const isSpanish = (locale?: string | null) => (locale ?? '').toLowerCase().startsWith('es');

/** Formats an instant as "Monday 11:00, New York time" (see {@link BusinessCalendar.describe}). */
export function describeInstant(at: Date, timeZone: string, locale?: string | null, now?: Date): string {
  const es = isSpanish(locale);
  const local = DateTime.fromJSDate(at, { zone: timeZone }).setLocale(es ? 'es' : 'en');
  const time = local.toFormat('H:mm');
  const zone = timeZone === 'UTC' || timeZone === 'Etc/UTC' ? 'UTC' : zoneCity(timeZone, es ? 'es' : 'en');
  const days = now
    ? Math.round(
        local.startOf('day').diff(DateTime.fromJSDate(now, { zone: timeZone }).startOf('day'), 'days').days,
      )
    : Number.NaN;
  // Weekday alone is unambiguous within the coming week; further out (or in the past) the date is added.
  const withinWeek = Number.isNaN(days) || (days > 1 && days < 7);
  if (es) {
    const hora = local.hour === 1 ? `a la ${time}` : `a las ${time}`;
    let day: string;
    if (days === 0) day = 'hoy';
    else if (days === 1) day = 'mañana';
    else if (withinWeek) day = `el ${local.toFormat('cccc')}`;
    else day = `el ${local.toFormat("cccc d 'de' LLLL")}`;
    return `${day} ${hora}, ${zone === 'UTC' ? 'hora UTC' : `hora de ${zone}`}`;
  }
  let day: string;
  if (days === 0) day = 'today at';
  else if (days === 1) day = 'tomorrow at';
  else if (withinWeek) day = local.toFormat('cccc');
  else day = local.toFormat('cccc d LLLL');
  return `${day} ${time}, ${zone} time`;
}
