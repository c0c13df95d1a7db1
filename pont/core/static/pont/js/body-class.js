// Runs first in <body>: tells GOV.UK Frontend's CSS that JavaScript is on
// and whether the browser supports ES modules (the GOV.UK template's inline
// snippet, moved to a file because Pont's CSP allows no inline script).
document.body.className += " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
