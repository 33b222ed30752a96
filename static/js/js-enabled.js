document.body.classList.replace("no-js", "js");
