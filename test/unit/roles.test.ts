import { expect } from 'chai';
import { productRole } from '../../src/lti/roles.js';

const LIS = 'http://purl.imsglobal.org/vocab/lis/v2/';

describe('who lands where: LTI roles to product roles', () => {
  it('a learner with the full membership URI is a learner', () => {
    expect(productRole([`${LIS}membership#Learner`])).to.equal('learner');
  });

  it('an instructor in full, short or legacy form is an instructor', () => {
    expect(productRole([`${LIS}membership#Instructor`])).to.equal('instructor');
    expect(productRole(['Instructor'])).to.equal('instructor');
    expect(productRole(['urn:lti:role:ims/lis/Instructor'])).to.equal('instructor');
    expect(productRole([`${LIS.toUpperCase()}MEMBERSHIP#INSTRUCTOR`])).to.equal('instructor');
  });

  it('a Canvas TA (Instructor plus the TeachingAssistant sub-role) is an instructor', () => {
    expect(
      productRole([`${LIS}membership#Instructor`, `${LIS}membership/Instructor#TeachingAssistant`]),
    ).to.equal('instructor');
    expect(productRole([`${LIS}membership/Instructor#TeachingAssistant`])).to.equal('instructor');
  });

  it('content developers and mentors are instructors', () => {
    expect(productRole([`${LIS}membership#ContentDeveloper`])).to.equal('instructor');
    expect(productRole(['Mentor'])).to.equal('instructor');
  });

  it('site and institution administrators are admins, whatever else they are', () => {
    expect(productRole([`${LIS}system/person#Administrator`, `${LIS}membership#Learner`])).to.equal('admin');
    expect(productRole([`${LIS}system/person#SysAdmin`])).to.equal('admin');
    expect(productRole([`${LIS}institution/person#Administrator`, `${LIS}membership#Instructor`])).to.equal(
      'admin',
    );
    expect(productRole(['urn:lti:sysrole:ims/lis/Administrator'])).to.equal('admin');
    expect(productRole(['urn:lti:instrole:ims/lis/Administrator'])).to.equal('admin');
  });

  it('a Blackboard admin launch (Instructor, system Administrator, Staff) is an admin', () => {
    const blackboard = [
      `${LIS}membership#Instructor`,
      `${LIS}system/person#Administrator`,
      `${LIS}membership#Administrator`,
      `${LIS}institution/person#Staff`,
    ];
    expect(productRole(blackboard)).to.equal('admin');
  });

  it('no roles, an empty list or only unknown roles means learner', () => {
    expect(productRole(undefined)).to.equal('learner');
    expect(productRole([])).to.equal('learner');
    expect(productRole(['http://example.com/roles#Wizard', 'Guest'])).to.equal('learner');
  });

  it('unknown roles next to a known one do not hide it', () => {
    expect(productRole(['http://example.com/roles#Wizard', 'Instructor'])).to.equal('instructor');
  });

  it('an institution can decide which roles count as admin', () => {
    const override = [`${LIS}membership#Administrator`];
    expect(productRole([`${LIS}membership#Administrator`], override)).to.equal('admin');
    // With the override, a system administrator is no longer an admin here.
    expect(productRole([`${LIS}system/person#Administrator`], override)).to.equal('learner');
    expect(productRole(['Administrator'], ['Administrator'])).to.equal('admin');
  });
});
