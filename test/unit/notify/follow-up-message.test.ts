import { expect } from 'chai';
import { renderFollowUpEmail, safeCourseUrl } from '../../../src/notify/follow-up-message.js';

describe('learner follow-up email content', () => {
  const reply = {
    author: 'Lena Lead',
    text: 'Try <script>alert(1)</script> & reload',
    at: '2026-03-04T15:00:00Z',
  };

  it('escapes every reply in the HTML part and keeps the raw text in the text part', () => {
    const email = renderFollowUpEmail({
      learnerName: 'Ana',
      replies: [reply],
      courseUrl: 'https://lms.example.edu/course/7',
    });
    expect(email.html).to.contain('Try &lt;script&gt;alert(1)&lt;/script&gt; &amp; reload');
    expect(email.html).not.to.contain('<script>');
    expect(email.text).to.contain('Try <script>alert(1)</script> & reload');
    expect(email.text).to.contain('Back to your course: https://lms.example.edu/course/7');
    expect(email.html).to.contain('href="https://lms.example.edu/course/7"');
  });

  it('never turns a javascript: or malformed return URL into a link; it names the course instead', () => {
    expect(safeCourseUrl('javascript:alert(1)')).to.equal(undefined);
    expect(safeCourseUrl('not a url')).to.equal(undefined);
    const email = renderFollowUpEmail({
      courseTitle: 'Biology 101',
      replies: [reply],
      courseUrl: 'javascript:alert(1)',
    });
    expect(email.html).not.to.contain('javascript:');
    expect(email.text).to.contain('open "Biology 101" in your LMS');
  });

  it("speaks the learner's language and counts the replies in the subject, on one line", () => {
    const email = renderFollowUpEmail({
      locale: 'es-419',
      courseTitle: 'Biología\r\nBcc: x@evil.example',
      replies: [reply, { ...reply, text: 'segunda' }],
      timeZone: 'Europe/Madrid',
    });
    expect(email.subject).to.equal('2 respuestas nuevas de soporte: Biología Bcc: x@evil.example');
    expect(email.subject).not.to.match(/[\r\n]/);
    expect(email.text).to.contain('Hola:');
    expect(email.html).to.contain('lang="es"');
    expect(renderFollowUpEmail({ replies: [reply] }).subject).to.equal('New reply from support');
  });
});
