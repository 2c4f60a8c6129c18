// A script that fails before it is ready, for the harness's error path.
throw new Error('broken on purpose');
