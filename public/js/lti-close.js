// LTI Dynamic Registration: tell the LMS the registration is finished so it can close our window/frame.
(window.opener || window.parent).postMessage({ subject: 'org.imsglobal.lti.close' }, '*');
