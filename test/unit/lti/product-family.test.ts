import { expect } from 'chai';
import { productFamily } from '../../../src/lti/product-family.js';

describe('which LMS sent a launch (tool_platform claim)', () => {
  it('reads product_family_code when the platform sends it', () => {
    expect(productFamily({ product_family_code: 'moodle', name: 'Springfield' })).to.equal('moodle');
    expect(productFamily({ product_family_code: 'canvas' })).to.equal('canvas');
    expect(productFamily({ product_family_code: 'BlackboardLearn' })).to.equal('blackboard');
    expect(productFamily({ product_family_code: 'desire2learn' })).to.equal('brightspace');
    expect(productFamily({ product_family_code: 'sakai' })).to.equal('sakai');
    expect(productFamily({ product_family_code: 'openedx' })).to.equal('openedx');
  });

  it('recognises Open edX, which sends only guid and name, from its name', () => {
    expect(productFamily({ guid: 'a1b2c3', name: 'Open edX' })).to.equal('openedx');
    expect(productFamily({ guid: 'a1b2c3', name: 'edX' })).to.equal('openedx');
    expect(productFamily({ name: 'OpenEdX at State University' })).to.equal('openedx');
  });

  it('falls back to the guid (often the platform host) when the name says nothing', () => {
    expect(productFamily({ guid: 'courses.edx.org', name: 'State University Online' })).to.equal('openedx');
    expect(productFamily({ guid: 'school.instructure.com', name: 'School' })).to.equal('canvas');
    expect(productFamily({ guid: 'moodle.school.edu' })).to.equal('moodle');
  });

  it('an unknown product code does not hide a name that says which product it is', () => {
    expect(productFamily({ product_family_code: 'custom-build', name: 'Moodle' })).to.equal('moodle');
  });

  it('does not guess from words that merely contain a product name', () => {
    expect(productFamily({ guid: 'lms.medxford.ac.uk', name: 'Medxford Learning' })).to.equal('other');
    expect(productFamily({ name: 'Canvassing Academy' })).to.equal('other');
    expect(productFamily({})).to.equal('other');
    expect(productFamily(undefined)).to.equal('other');
    expect(productFamily({ name: 42, guid: null })).to.equal('other');
  });
});
