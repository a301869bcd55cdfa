import { expect } from 'chai';
import {
  isLead,
  openSortKey,
  renderCanned,
  resolvedSortKey,
  routeTeam,
  searchTokens,
  sortMember,
  viewsOf,
} from '../../../src/inbox/index.js';
import { doc } from './index-doc.fixture.js';

const LIS = 'http://purl.imsglobal.org/vocab/lis/v2/';

describe('canned replies: variables filled in', () => {
  const vars = {
    learner: { firstName: 'Ana', name: 'Ana López' },
    course: { title: 'Biology 101' },
    admin: { name: 'Adam Admin' },
  };

  it('fills learner, course and admin variables, with or without spaces inside the braces', () => {
    expect(
      renderCanned('Hi {{learner.firstName}}, about {{ course.title }} — {{admin.name}}', vars),
    ).to.equal('Hi Ana, about Biology 101 — Adam Admin');
    expect(renderCanned('{{learner.name}} / {{learner.name}}', vars)).to.equal('Ana López / Ana López');
  });

  it('leaves unknown variables, and known ones without a value, visible as written', () => {
    expect(renderCanned('Ticket {{ticket.id}} for {{learner.email}}', vars)).to.equal(
      'Ticket {{ticket.id}} for {{learner.email}}',
    );
    expect(renderCanned('About {{course.title}}', { ...vars, course: {} })).to.equal(
      'About {{course.title}}',
    );
    expect(renderCanned('{{constructor.name}} {{learner.constructor}}', vars)).to.equal(
      '{{constructor.name}} {{learner.constructor}}',
    );
  });

  it('does not escape or interpret the values (the page escapes whatever it shows)', () => {
    expect(
      renderCanned('Hi {{learner.firstName}}', { ...vars, learner: { firstName: '<b>Zoë</b>' } }),
    ).to.equal('Hi <b>Zoë</b>');
  });
});

describe('inbox list order and membership', () => {
  it('orders open threads by reply-by, then priority (urgent first), then newest; no reply-by last', () => {
    const soonNormal = openSortKey({ rb: 1_000_000, p: 'normal', lm: 10 });
    const soonUrgent = openSortKey({ rb: 1_000_000, p: 'urgent', lm: 5 });
    const later = openSortKey({ rb: 2_000_000, p: 'urgent', lm: 5 });
    const none = openSortKey({ p: 'urgent', lm: 5 });
    const newer = openSortKey({ rb: 1_000_000, p: 'normal', lm: 20 });
    expect([none, later, soonNormal, soonUrgent, newer].sort()).to.deep.equal([
      soonUrgent,
      newer,
      soonNormal,
      later,
      none,
    ]);
    expect([resolvedSortKey({ lm: 1, ra: 100 }), resolvedSortKey({ lm: 1, ra: 200 })].sort()[0]).to.equal(
      resolvedSortKey({ lm: 1, ra: 200 }),
    );
    expect(sortMember('abc', doc({}))).to.match(/:abc$/);
  });

  it('puts waiting threads in attention and unassigned; owned ones in mine, and in attention when the learner wrote last', () => {
    expect(viewsOf(doc({ s: 'waiting' })).sort()).to.deep.equal(['attention', 'open', 'unassigned']);
    expect(viewsOf(doc({ s: 'assigned', a: 'x', pa: 'admin' })).sort()).to.deep.equal(['mine:x', 'open']);
    expect(viewsOf(doc({ s: 'assigned', a: 'x', pa: 'learner' })).sort()).to.deep.equal([
      'attention',
      'mine:x',
      'open',
    ]);
    expect(viewsOf(doc({ s: 'bot' }))).to.deep.equal(['open']);
    expect(viewsOf(doc({ s: 'resolved', a: 'x' }))).to.deep.equal(['resolved']);
  });

  it('searches words without case or accents', () => {
    expect(searchTokens('José GARCÍA-López, grade 7?')).to.deep.equal(['jose', 'garcia', 'lopez', 'grade']);
    expect(searchTokens('the and a')).to.deep.equal([]);
  });
});

describe('routing and the lead permission', () => {
  const teams = [
    { id: 't1', name: 'Biology team', memberIds: [], courseIds: ['c-bio'], categories: [] },
    { id: 't2', name: 'LMS support', memberIds: [], courseIds: [], categories: ['Login', 'billing'] },
  ];

  it('routes by course first, then by category (case-insensitive), else to no team', () => {
    expect(routeTeam(teams, { courseId: 'c-bio', category: 'login' })).to.equal('t1');
    expect(routeTeam(teams, { courseId: 'c-other', category: 'login' })).to.equal('t2');
    expect(routeTeam(teams, { courseId: 'c-other', category: 'grades' })).to.equal(undefined);
  });

  it('makes institution and system Administrators leads by default, never instructors', () => {
    const admin = { role: 'admin', userId: 'u1' };
    expect(isLead({ ...admin, ltiRoles: [`${LIS}institution/person#Administrator`] })).to.equal(true);
    expect(isLead({ ...admin, ltiRoles: [`${LIS}system/person#SysAdmin`] })).to.equal(false);
    expect(
      isLead({ role: 'instructor', userId: 'u1', ltiRoles: [`${LIS}institution/person#Administrator`] }),
    ).to.equal(false);
  });

  it('follows the tenant setting when it names roles or people', () => {
    const settings = { leadRoles: [`${LIS}system/person#SysAdmin`], leadUserIds: ['u9'] };
    expect(
      isLead({ role: 'admin', userId: 'u1', ltiRoles: [`${LIS}system/person#SysAdmin`], settings }),
    ).to.equal(true);
    expect(
      isLead({ role: 'admin', userId: 'u1', ltiRoles: [`${LIS}institution/person#Administrator`], settings }),
    ).to.equal(false);
    expect(isLead({ role: 'admin', userId: 'u9', ltiRoles: [], settings })).to.equal(true);
  });
});
