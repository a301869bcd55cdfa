// Submits forms marked data-autosubmit (LTI form posts); the visible button is the no-JS fallback.
for (const form of document.querySelectorAll('form[data-autosubmit]')) form.submit();
