// A file upload with progress: XMLHttpRequest (fetch has no upload progress), multipart/form-data,
// the session cookie and the CSRF token.
import { csrfHeader, errorFrom, signalUnauthenticated } from './api.ts';

export function upload<T>(
  path: string,
  fields: Record<string, string>,
  file: File,
  onProgress: (fraction: number) => void,
): Promise<T> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append('file', file, file.name); // the file last: the server reads the fields first
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.withCredentials = true;
    xhr.setRequestHeader('accept', 'application/json');
    for (const [k, v] of Object.entries(csrfHeader())) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve(body as T);
      } else {
        if (xhr.status === 401) signalUnauthenticated();
        reject(errorFrom(xhr.status, body));
      }
    };
    xhr.onerror = () => reject(new Error('网络错误，上传未完成'));
    xhr.send(form);
  });
}
