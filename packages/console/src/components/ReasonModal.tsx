// Asks why before an audited request (domain §8: a full value is shown only with a reason, and the
// reason is written to the audit log). The caller runs the request; its error stays in the dialog.
import { useState } from 'react';
import { Alert, Form, Input, Modal } from 'antd';
import { errorText } from '../hooks.ts';

export interface ReasonModalProps {
  open: boolean;
  title: string;
  /** One sentence above the field, e.g. what is shown and that it is audited. */
  notice: string;
  placeholder: string;
  onCancel: () => void;
  /** Runs the audited request; the dialog closes when it resolves. */
  onSubmit: (reason: string) => Promise<void>;
}

export function ReasonModal({ open, title, notice, placeholder, onCancel, onSubmit }: ReasonModalProps) {
  const [form] = Form.useForm<{ reason: string }>();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const confirm = async () => {
    const { reason } = await form.validateFields();
    setBusy(true);
    try {
      await onSubmit(reason.trim());
      setFailure(null);
      form.resetFields();
    } catch (e) {
      setFailure(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      open={open}
      title={title}
      okText="查看"
      cancelText="取消"
      confirmLoading={busy}
      onOk={() => void confirm()}
      onCancel={onCancel}
      destroyOnHidden
    >
      <p>{notice}</p>
      {failure !== null && <Alert type="error" showIcon message={failure} style={{ marginBottom: 12 }} />}
      <Form form={form} layout="vertical" preserve={false}>
        <Form.Item
          label="查看原因"
          name="reason"
          rules={[
            { required: true, whitespace: true, message: '请填写查看原因' },
            { min: 2, message: '原因至少 2 个字' },
          ]}
        >
          <Input maxLength={500} placeholder={placeholder} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
