import CopyButton from './CopyButton.jsx';

export default function CodeBlock({ code, language, title, testId }) {
  return (
    <figure className="code-block">
      <figcaption>
        <span>{title || language}</span>
        <CopyButton text={code} testId={testId ? `copy-${testId}` : 'copy-button'} />
      </figcaption>
      <pre data-test-id={testId} data-language={language} tabIndex={0}>
        <code>{code}</code>
      </pre>
    </figure>
  );
}
