// Insights: the dashboard of one date range (and, for admins, optionally one course). Every chart has its
// figures in a table screen readers always reach (sighted people can show it), and each table downloads
// as CSV. Server text is written with textContent.
import { cell, messageOf, readJson, sendJson, showError } from './common/admin-ui.js';
import { api } from './common/session.js';

(() => {
  const root = document.getElementById('insights');
  if (!root) return;
  const $ = (id) => document.getElementById(id);
  const courseOnly = root.dataset.courseOnly === 'true';
  const status = $('status');
  const charts = {};
  let current = null;

  const reducedMotion = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  const number = (n) => (n === null || n === undefined ? '—' : n.toLocaleString());
  const percentText = (p) => (p === null || p === undefined ? '—' : `${p.toLocaleString()} %`);
  function minutesText(m) {
    if (m === null || m === undefined) return '—';
    if (m < 90) return `${m.toLocaleString()} min`;
    const hours = m / 60;
    return hours < 48
      ? `${(Math.round(hours * 10) / 10).toLocaleString()} h`
      : `${(Math.round(hours / 2.4) / 10).toLocaleString()} days`;
  }

  function query(extra = {}) {
    const params = new URLSearchParams();
    if ($('from').value) params.set('from', $('from').value);
    if ($('to').value) params.set('to', $('to').value);
    const course = $('course');
    if (!courseOnly && course?.value) params.set('course', course.value);
    for (const [k, v] of Object.entries(extra)) params.set(k, v);
    return params.toString();
  }

  function kpi(label, value, note) {
    const wrap = document.createElement('div');
    wrap.className = 'insights-kpi';
    const dt = document.createElement('dt');
    dt.textContent = label;
    const dd = document.createElement('dd');
    dd.textContent = value;
    if (note) {
      const small = document.createElement('span');
      small.className = 'insights-kpi-note';
      small.textContent = note;
      dd.append(small);
    }
    wrap.append(dt, dd);
    return wrap;
  }

  function renderKpis(d) {
    $('kpis').replaceChildren(
      kpi('Conversations', number(d.conversations), `${number(d.answered)} answered by the assistant`),
      kpi('Handed to people', percentText(d.handoffPercent), `${number(d.handedOff)} conversations`),
      kpi(
        'Deflection',
        percentText(d.deflection.percent),
        d.deflection.pending
          ? `${number(d.deflection.pending)} still within their 24 hours`
          : 'closed by the assistant, learner did not return in 24 h',
      ),
      kpi(
        'First response',
        minutesText(d.firstResponse.p50Minutes),
        `median; p90 ${minutesText(d.firstResponse.p90Minutes)}`,
      ),
      kpi(
        'Resolution',
        minutesText(d.resolution.p50Minutes),
        `median; p90 ${minutesText(d.resolution.p90Minutes)}`,
      ),
      kpi(
        'Answers rated helpful',
        percentText(d.ratings.upPercent),
        `${number(d.ratings.up)} up, ${number(d.ratings.down)} down`,
      ),
    );
  }

  function fillTable(id, rows) {
    const body = $(id).querySelector('tbody');
    const labels = [...$(id).querySelectorAll('thead th')].map((th) => th.textContent);
    if (rows.length === 0) {
      const tr = document.createElement('tr');
      const td = cell(labels[0] ?? '', 'Nothing in these dates.');
      td.colSpan = labels.length;
      tr.append(td);
      body.replaceChildren(tr);
      return;
    }
    body.replaceChildren(
      ...rows.map((values) => {
        const tr = document.createElement('tr');
        values.forEach((value, i) => {
          if (i === 0) {
            const th = document.createElement('th');
            th.scope = 'row';
            th.textContent = value;
            tr.append(th);
          } else tr.append(cell(labels[i] ?? '', value));
        });
        return tr;
      }),
    );
  }

  function chart(id, config) {
    if (!window.Chart) return;
    charts[id]?.destroy();
    if (reducedMotion) config.options = { ...config.options, animation: false };
    charts[id] = new window.Chart($(id), config);
  }

  /** A horizontal bar chart of conversations per label (a colour per bar when given). */
  function barChart(id, labels, values, colours = '#1f5eff') {
    chart(id, {
      type: 'bar',
      data: { labels, datasets: [{ label: 'Conversations', data: values, backgroundColor: colours }] },
      options: {
        indexAxis: 'y',
        responsive: true,
        maintainAspectRatio: false,
        plugins: { legend: { display: false } },
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
  }

  function renderCharts(d) {
    chart('volume-chart', {
      type: 'line',
      data: {
        labels: d.daily.map((r) => r.date),
        datasets: [
          {
            label: 'Conversations',
            data: d.daily.map((r) => r.conversations),
            borderColor: '#1f5eff',
            backgroundColor: '#1f5eff',
            tension: 0.2,
          },
          {
            label: 'Handed off',
            data: d.daily.map((r) => r.handedOff),
            borderColor: '#c2410c',
            backgroundColor: '#c2410c',
            borderDash: [6, 3],
            tension: 0.2,
          },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
    $('reasons-empty').hidden = d.reasons.length > 0;
    barChart(
      'reasons-chart',
      d.reasons.map((r) => r.label),
      d.reasons.map((r) => r.threads),
    );
  }

  function renderCourses(d) {
    const select = $('course');
    if (courseOnly || !select) return;
    const chosen = select.value;
    const options = [new Option('All courses', '')];
    for (const c of d.courses) options.push(new Option(c.title, c.id));
    if (chosen && !d.courses.some((c) => c.id === chosen))
      options.push(new Option('The chosen course', chosen));
    select.replaceChildren(...options);
    select.value = chosen;
  }

  function renderTopics(d) {
    const rule = d.spikeRule;
    $('spike-rule-text').textContent =
      `Conversations handed to people, by the topic of their question. A topic spikes when its last 7 days reach ${rule.factor.toLocaleString()}× its weekly average over the ${rule.trailingWeeks} weeks before, with at least ${rule.minThreads} conversations.`;
    const form = $('spike-form');
    if (form && !form.dataset.filled) {
      $('spike-factor').value = String(rule.factor);
      $('spike-min').value = String(rule.minThreads);
      $('spike-weeks').value = String(rule.trailingWeeks);
      form.dataset.filled = 'true';
    }
    const spikes = d.topics.filter((t) => t.spike);
    $('spikes').replaceChildren(
      ...spikes.map((t) => {
        const box = document.createElement('div');
        box.className = 'insights-spike';
        const h = document.createElement('h3');
        h.textContent = `Spike: ${t.label}`;
        const p = document.createElement('p');
        p.textContent = `${number(t.thisWeek)} conversations in the last 7 days; ${t.trailingAverage.toLocaleString()} a week before. Learners asked:`;
        const list = document.createElement('ul');
        for (const q of t.examples) {
          const li = document.createElement('li');
          li.textContent = q;
          list.append(li);
        }
        box.append(h, p, list);
        return box;
      }),
    );
    $('topics-empty').hidden = d.topics.length > 0;
    barChart(
      'topics-chart',
      d.topics.map((t) => t.label),
      d.topics.map((t) => t.threads),
      d.topics.map((t) => (t.spike ? '#c2410c' : '#1f5eff')),
    );
    const body = $('topics-table').querySelector('tbody');
    if (d.topics.length === 0) {
      fillTable('topics-table', []);
      return;
    }
    body.replaceChildren(
      ...d.topics.map((t) => {
        const tr = document.createElement('tr');
        const th = document.createElement('th');
        th.scope = 'row';
        th.textContent = t.label;
        if (t.spike) {
          const badge = document.createElement('span');
          badge.className = 'insights-badge';
          badge.textContent = 'Spike';
          th.append(badge);
        }
        tr.append(
          th,
          cell('Conversations', number(t.threads)),
          cell('By week', t.weekly.join(' → ')),
          cell('Last 7 days', number(t.thisWeek)),
        );
        return tr;
      }),
    );
  }

  function render(d) {
    current = d;
    $('from').value = d.from;
    $('to').value = d.to;
    renderKpis(d);
    renderCharts(d);
    renderCourses(d);
    renderTopics(d);
    fillTable(
      'daily-table',
      d.daily.map((r) => [r.date, number(r.conversations), number(r.handedOff)]),
    );
    fillTable(
      'reasons-table',
      d.reasons.map((r) => [r.label, number(r.threads), percentText(r.percent)]),
    );
    fillTable(
      'sla-teams-table',
      d.slaByTeam.map((r) => [r.name, number(r.met), number(r.breached), percentText(r.metPercent)]),
    );
    fillTable(
      'sla-admins-table',
      d.slaByAdmin.map((r) => [r.name, number(r.met), number(r.breached), percentText(r.metPercent)]),
    );
    status.textContent = `Showing ${d.from} to ${d.to} (${d.timeZone})${d.courseId ? ', one course' : ''}: ${number(d.conversations)} conversations.`;
  }

  async function load() {
    showError($('filter-error'), '');
    status.textContent = 'Loading the figures…';
    root.setAttribute('aria-busy', 'true');
    $('show').disabled = true;
    const result = await sendJson(`/api/insights?${query()}`);
    root.removeAttribute('aria-busy');
    $('show').disabled = false;
    if (!result.ok) {
      status.textContent = '';
      showError($('filter-error'), result.message);
      $('filter-error').focus?.();
      return;
    }
    render(result.body.data);
  }

  async function download(table) {
    status.textContent = 'Preparing the download…';
    try {
      const response = await api(`/api/insights/export.csv?${query({ table })}`, {
        headers: { Accept: 'text/csv' },
      });
      if (!response.ok) {
        const body = await readJson(response);
        status.textContent = messageOf(body, response);
        return;
      }
      const blob = await response.blob();
      const link = document.createElement('a');
      link.href = URL.createObjectURL(blob);
      link.download = `insights-${table}-${current?.from ?? ''}-to-${current?.to ?? ''}.csv`;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
      status.textContent = 'Download ready.';
    } catch {
      status.textContent = 'The server could not be reached. Please try again.';
    }
  }

  $('spike-form')?.addEventListener('submit', async (event) => {
    event.preventDefault();
    showError($('spike-error'), '');
    const spike = {
      factor: Number($('spike-factor').value),
      minThreads: Number($('spike-min').value),
      trailingWeeks: Number($('spike-weeks').value),
    };
    $('spike-save').disabled = true;
    const result = await sendJson('/api/insights/settings', 'PUT', { spike });
    $('spike-save').disabled = false;
    if (!result.ok) {
      showError($('spike-error'), result.message);
      return;
    }
    status.textContent = 'Spike rule saved.';
    load();
  });

  $('filters').addEventListener('submit', (event) => {
    event.preventDefault();
    load();
  });
  for (const button of root.querySelectorAll('[data-export]'))
    button.addEventListener('click', () => download(button.dataset.export));
  for (const button of root.querySelectorAll('[data-toggle-table]'))
    button.addEventListener('click', () => {
      const table = $(button.dataset.toggleTable);
      const show = table.classList.contains('visually-hidden');
      table.classList.toggle('visually-hidden', !show);
      button.setAttribute('aria-expanded', String(show));
      const word = show ? 'Hide' : 'Show';
      button.textContent = `${word} the table`;
      button.setAttribute('aria-label', `${word} the table of ${button.dataset.what}`);
    });

  load();
})();
