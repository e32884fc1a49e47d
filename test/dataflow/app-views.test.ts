/** Views an app declares without a pipeline (filled by batch jobs) and dashboard pages. */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defineApp } from '../../src/dataflow/index.ts';

describe('app views and pages', () => {
  it('declares job-filled views that keep no rows in memory', () => {
    const app = defineApp('jobs', (a) => {
      a.view('daily-report');
      a.view('daily-report'); // idempotent
    });
    const view = app.views.get('daily-report');
    assert.ok(view);
    view.write([{ key: 'a', value: 1, timestamp: 0 }]);
    assert.equal(view.rows().size, 0);
  });

  it('rejects bad view names and bad pages with coded errors', () => {
    assert.throws(() => defineApp('jobs', (a) => a.view('no spaces')), { code: 'SS_ERR_INVALID_OPTION' });
    assert.throws(() => defineApp('jobs', (a) => a.page({ id: 'Bad Id', title: 't', widgets: [] })), {
      code: 'SS_ERR_INVALID_OPTION',
    });
    assert.throws(
      () =>
        defineApp('jobs', (a) =>
          a.page({ id: 'p', title: 't', widgets: [{ kind: 'pie', view: 'v', title: 'x' } as never] }),
        ),
      { code: 'SS_ERR_INVALID_OPTION', message: /kind must be one of/ },
    );
    const app = defineApp('jobs', (a) =>
      a.page({
        id: 'p',
        title: 'Page',
        widgets: [{ kind: 'tiles', view: 'v', title: 'Tiles', tiles: [{ label: 'n', field: 'value' }] }],
      }),
    );
    assert.equal(app.pages[0].id, 'p');
  });
});
