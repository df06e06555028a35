// The console's entry: antd in Chinese (zh_CN, dayjs zh-cn), its style tags carrying the CSP nonce
// the API wrote into the page, the router, and the session.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { App as AntApp, ConfigProvider } from 'antd';
import zhCN from 'antd/locale/zh_CN';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import { App } from './App.tsx';
import { pageNonce, stampStyleElements } from './csp-nonce.ts';
import { SessionProvider } from './session.tsx';
import './console.css';

dayjs.locale('zh-cn');

const nonce = pageNonce();
if (nonce !== undefined) stampStyleElements(nonce);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ConfigProvider
      locale={zhCN}
      csp={nonce === undefined ? {} : { nonce }}
      // readable contrast (WCAG AA 4.5:1, test/browser/a11y.test.ts): links in the primary blue, not
      // antd's #1677ff (3.8:1 on the page grey); secondary labels (Descriptions) darker than #8c8c8c
      theme={{
        token: {
          colorPrimary: '#1f5fa8',
          colorLink: '#1f5fa8',
          colorTextTertiary: 'rgba(0, 0, 0, 0.58)',
          fontSize: 15,
        },
      }}
      button={{ autoInsertSpace: false }}
    >
      <AntApp>
        <BrowserRouter>
          <SessionProvider>
            <App />
          </SessionProvider>
        </BrowserRouter>
      </AntApp>
    </ConfigProvider>
  </StrictMode>,
);
